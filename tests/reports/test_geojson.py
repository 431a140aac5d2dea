"""/reports.geojson: the public reports in a box, for the maps and as open data."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from torget.places.models import Body
from torget.reports.models import Category, Report, State
from torget.reports.views import browse

pytestmark = pytest.mark.django_db

KONGSVINGER = (60.1905, 11.9977)
ELVERUM = (60.8819, 11.5623)
TOWN = "11.9,60.1,12.1,60.3"
URL = "/reports.geojson"


@pytest.fixture
def body():
    return Body.objects.create(name="Kongsvinger kommune", slug="kongsvinger", kind="kommune")


@pytest.fixture
def category(body):
    return Category.objects.create(
        body=body, slug="gatelys", name_nb="Gatelys", name_nn="Gatelys", name_en="Street lights"
    )


@pytest.fixture
def reporter(django_user_model):
    return django_user_model.objects.create_user(
        "hemmelig@example.org", "a secret password", name="Hemmelig Hansen", phone="+4798765432"
    )


@pytest.fixture
def make_report(category, reporter):
    def make(at=KONGSVINGER, age=timedelta(0), **fields):
        created = timezone.now() - age
        values = {"title": "Gatelyset er mørkt", "state": State.OPEN, "created": created}
        values.update(fields)
        report = Report.objects.create(
            lat=at[0],
            lon=at[1],
            category=values.pop("category", category),
            reporter=reporter,
            **values,
        )
        report.bodies.set([report.category.body_id])
        return report

    return make


def features(client, query=TOWN, **params):
    response = client.get(URL, {"bbox": query, **params})
    assert response.status_code == 200, response.content
    return response.json()["features"]


def test_it_is_a_feature_collection_of_points_in_lon_lat_order(client, make_report):
    report = make_report(title="Mørk lykt")
    response = client.get(URL, {"bbox": TOWN})
    assert response["Content-Type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    assert collection["truncated"] is False
    [feature] = collection["features"]
    assert feature["type"] == "Feature"
    assert feature["geometry"] == {"type": "Point", "coordinates": [11.9977, 60.1905]}
    assert feature["properties"]["id"] == report.pk
    assert feature["properties"]["title"] == "Mørk lykt"


def test_each_feature_says_what_where_and_when_and_links_to_the_report(client, make_report):
    report = make_report(state=State.IN_PROGRESS)
    [feature] = features(client, headers={"accept-language": "en"})
    properties = feature["properties"]
    assert set(properties) == {
        "id",
        "title",
        "category",
        "state",
        "state_label",
        "state_group",
        "created",
        "url",
    }
    assert properties["state"] == "in_progress"
    assert properties["state_group"] == "open"
    assert properties["url"] == f"http://testserver/report/{report.pk}"
    assert datetime.fromisoformat(properties["created"]) == report.created


def test_names_follow_the_language(client, make_report):
    make_report(state=State.FIXED)
    english = client.get(URL, {"bbox": TOWN}, headers={"accept-language": "en"}).json()
    bokmal = client.get(URL, {"bbox": TOWN}, headers={"accept-language": "nb"}).json()
    assert english["features"][0]["properties"]["category"] == "Street lights"
    assert english["features"][0]["properties"]["state_label"] == "Fixed"
    assert bokmal["features"][0]["properties"]["category"] == "Gatelys"


def test_it_never_carries_the_reporters_email_phone_or_name(client, make_report):
    make_report(show_name=False)
    make_report(show_name=True)
    text = client.get(URL, {"bbox": TOWN}).content.decode()
    for secret in ("hemmelig", "98765432", "Hansen"):
        assert secret.lower() not in text.lower()


def test_only_public_reports_inside_the_box_appear(client, make_report):
    inside = make_report()
    make_report(at=ELVERUM)
    make_report(state=State.UNCONFIRMED)
    make_report(hidden=True)
    assert [f["id"] for f in features(client)] == [inside.pk]


def test_the_newest_come_first(client, make_report):
    old = make_report(age=timedelta(days=3))
    new = make_report(age=timedelta(hours=1))
    assert [f["id"] for f in features(client)] == [new.pk, old.pk]


def test_a_full_box_is_cut_to_the_newest_and_says_so(client, make_report, monkeypatch):
    monkeypatch.setattr(browse, "GEOJSON_LIMIT", 3)
    made = [make_report(age=timedelta(hours=n)) for n in range(5)]
    collection = client.get(URL, {"bbox": TOWN}).json()
    assert collection["truncated"] is True
    assert [f["id"] for f in collection["features"]] == [r.pk for r in made[:3]]


def test_it_filters_by_state_group_category_body_and_time(client, make_report, category):
    other_body = Body.objects.create(name="Eidskog kommune", slug="eidskog", kind="kommune")
    theirs = Category.objects.create(body=other_body, slug="veg", name_nb="Veg", name_nn="Veg")
    open_report = make_report()
    fixed = make_report(state=State.FIXED, age=timedelta(days=10))
    closed = make_report(state=State.CLOSED, category=theirs)
    assert [f["id"] for f in features(client, state_group="fixed")] == [fixed.pk]
    assert [f["id"] for f in features(client, state_group="closed")] == [closed.pk]
    assert {f["id"] for f in features(client, state_group="all")} == {
        open_report.pk,
        fixed.pk,
        closed.pk,
    }
    assert [f["id"] for f in features(client, category=theirs.pk)] == [closed.pk]
    assert {f["id"] for f in features(client, body="kongsvinger")} == {open_report.pk, fixed.pk}
    assert {f["id"] for f in features(client, days=7)} == {open_report.pk, closed.pk}


def test_anyone_may_use_it_from_another_site(client, make_report):
    assert client.get(URL, {"bbox": TOWN})["Access-Control-Allow-Origin"] == "*"
    assert client.get(URL, {"bbox": "x"})["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    "bbox",
    [
        None,
        "",
        "11.9,60.1,12.1",
        "11.9,60.1,12.1,60.3,1",
        "a,b,c,d",
        "11.9,60.1,12.1,",
        "nan,60.1,12.1,60.3",
        "11.9,60.1,inf,60.3",
        "12.1,60.1,11.9,60.3",
        "11.9,60.3,12.1,60.1",
        "11.9,89,12.1,91",
        "179,60,181,61",
        "9,59,13,61",
        "11,59,12,62",
    ],
)
def test_a_box_it_cannot_use_is_refused_with_a_reason(client, bbox):
    response = client.get(URL, {} if bbox is None else {"bbox": bbox})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]


@pytest.mark.parametrize(
    "params",
    [
        {"state_group": "broken"},
        {"category": "abc"},
        {"category": "999999"},
        {"body": "atlantis"},
        {"days": "5"},
        {"days": "x"},
    ],
)
def test_a_filter_it_does_not_know_is_refused(client, category, params):
    response = client.get(URL, {"bbox": TOWN, **params})
    assert response.status_code == 400
    assert "error" in response.json()


def test_it_only_answers_reads(client):
    assert client.post(URL, {"bbox": TOWN}).status_code == 405


@pytest.mark.parametrize("count", [5, 50])
def test_it_costs_a_bounded_number_of_queries(
    client, make_report, django_assert_max_num_queries, count
):
    for _ in range(count):
        make_report()
    with django_assert_max_num_queries(2):
        assert len(features(client)) == count


def test_it_costs_the_same_queries_for_5_and_50_reports(client, make_report):
    for _ in range(5):
        make_report()
    with CaptureQueriesContext(connection) as few:
        features(client, state_group="open", category="", body="")
    for _ in range(45):
        make_report()
    with CaptureQueriesContext(connection) as many:
        features(client, state_group="open", category="", body="")
    assert len(many) == len(few)
