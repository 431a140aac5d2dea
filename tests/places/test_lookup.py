"""The in-memory point-to-area index: correct, query-free when warm, and never stale."""

import datetime

import pytest
from shapely.geometry import box

from torget.places import lookup
from torget.places.models import Area, Body

pytestmark = pytest.mark.django_db


def square_area(code, west, south, east, north, **fields):
    area = Area(name=f"Area {code}", kind="kommune", code=code, **fields)
    area.set_geometry(box(west, south, east, north))
    area.save()
    return area


def test_a_warm_lookup_runs_no_sql(kommuner, django_assert_num_queries):
    lookup.area_index().area_ids_at(60.1905, 11.9977)
    with django_assert_num_queries(0):
        ids = lookup.area_index().area_ids_at(59.9127, 10.7461)
    assert Area.objects.get(pk__in=ids).code == "0301"


def test_covering_finds_areas_and_their_bodies(kommuner):
    assert [a.code for a in Area.objects.covering(60.1905, 11.9977)] == ["3401"]
    assert [b.name for b in Body.objects.covering(60.1905, 11.9977)] == ["Kongsvinger kommune"]


def test_a_point_on_land_can_be_in_several_nested_areas():
    square_area("0301", 10.0, 59.0, 11.0, 60.0)
    fylke = Area(name="Oslo", kind="fylke", code="03")
    fylke.set_geometry(box(10.0, 59.0, 11.0, 60.0))
    fylke.save()
    assert Area.objects.covering(59.5, 10.5).count() == 2


def test_the_index_is_rebuilt_when_this_process_saves_an_area():
    square_area("0001", 10.0, 60.0, 10.1, 60.1)
    assert lookup.area_index().area_ids_at(60.05, 10.15) == []
    moved = Area.objects.get()
    moved.set_geometry(box(10.1, 60.0, 10.2, 60.1))
    moved.save()
    assert lookup.area_index().area_ids_at(60.05, 10.15) == [moved.pk]


def test_the_index_notices_changes_made_by_another_process(monkeypatch):
    """Another process's change is seen once the index is older than STALE_AFTER."""
    first = square_area("0001", 10.0, 60.0, 10.1, 60.1)
    assert lookup.area_index().area_ids_at(60.05, 10.05) == [first.pk]
    # A write that bypasses Area.save(), as another process's would from here.
    Area.objects.filter(pk=first.pk).delete()
    monkeypatch.setattr(lookup, "STALE_AFTER", 0.0)
    assert lookup.area_index().area_ids_at(60.05, 10.05) == []


def test_expired_generations_are_not_in_the_index():
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    square_area("0001", 10.0, 60.0, 10.1, 60.1, valid_to=yesterday)
    current = square_area("0001", 10.0, 60.0, 10.1, 60.1, valid_from=datetime.date.today())
    assert lookup.area_index().area_ids_at(60.05, 10.05) == [current.pk]


def test_many_points_at_once_agree_with_one_at_a_time(kommuner):
    import numpy as np

    rng = np.random.default_rng(7)
    lats = rng.uniform(58.0, 71.0, 500)
    lons = rng.uniform(5.0, 30.0, 500)
    index = lookup.area_index()
    many = index.area_ids_at_many(lats, lons)
    assert many == [index.area_ids_at(lat, lon) for lat, lon in zip(lats, lons, strict=True)]
    assert any(many) and not all(many)
