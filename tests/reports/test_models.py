"""The report lifecycle and Report.objects.near()."""

import math
import random
from datetime import timedelta

import pytest
from django.core.paginator import Paginator
from django.utils import timezone
from django.utils.translation import override
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from torget.places.models import Body
from torget.reports.models import Category, InvalidTransition, Report, State

pytestmark = pytest.mark.django_db

EARTH_RADIUS = 6_371_008.8


def destination(lat, lon, metres, bearing_degrees):
    """A point `metres` away on a sphere, independent of the code under test."""
    delta = metres / EARTH_RADIUS
    theta = math.radians(bearing_degrees)
    phi1, lambda1 = math.radians(lat), math.radians(lon)
    phi2 = math.asin(
        math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(theta)
    )
    lambda2 = lambda1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi1),
        math.cos(delta) - math.sin(phi1) * math.sin(phi2),
    )
    return math.degrees(phi2), math.degrees(lambda2)


@pytest.fixture
def category(db):
    body = Body.objects.create(name="Kongsvinger kommune", slug="kongsvinger", kind="kommune")
    return Category.objects.create(
        body=body, slug="gatelys", name_nb="Gatelys", name_nn="Gatelys", name_en="Street light"
    )


@pytest.fixture
def make_report(category, citizen):
    def make(lat=60.1905, lon=11.9977, state=State.OPEN, **fields):
        return Report.objects.create(
            lat=lat,
            lon=lon,
            category=category,
            reporter=citizen,
            title="Lyset er gått",
            state=state,
            **fields,
        )

    return make


def test_confirming_opens_the_report_and_stamps_it(make_report):
    report = make_report(state=State.UNCONFIRMED)
    report.confirm()
    report.refresh_from_db()
    assert report.state == State.OPEN
    assert report.confirmed is not None


def test_a_report_cannot_be_confirmed_twice(make_report):
    report = make_report(state=State.OPEN)
    with pytest.raises(InvalidTransition):
        report.confirm()


def test_anyone_may_mark_an_open_report_fixed(make_report):
    report = make_report(state=State.IN_PROGRESS)
    report.mark_fixed()
    assert report.state == State.FIXED and report.fixed is not None


def test_an_unconfirmed_report_cannot_be_marked_fixed(make_report):
    with pytest.raises(InvalidTransition):
        make_report(state=State.UNCONFIRMED).mark_fixed()


def test_the_reporter_may_reopen_a_fixed_report(make_report, citizen):
    report = make_report(state=State.OPEN)
    report.mark_fixed()
    report.reopen(by=citizen)
    report.refresh_from_db()
    assert report.state == State.OPEN and report.fixed is None


def test_someone_else_may_not_reopen_it(make_report, django_user_model):
    report = make_report(state=State.FIXED)
    other = django_user_model.objects.create_user("ola@example.org")
    with pytest.raises(InvalidTransition, match="Only the reporter"):
        report.reopen(by=other)


def test_an_open_report_cannot_be_reopened(make_report, citizen):
    with pytest.raises(InvalidTransition):
        make_report(state=State.OPEN).reopen(by=citizen)


def test_a_body_acknowledging_stamps_acknowledged_once(make_report):
    report = make_report()
    report.set_state_by_body(State.ACKNOWLEDGED)
    first = report.acknowledged
    report.set_state_by_body(State.IN_PROGRESS)
    assert report.acknowledged == first
    report.set_state_by_body(State.NOT_RESPONSIBLE)
    assert report.closed is not None and report.fixed is None


def test_a_duplicate_must_name_its_original(make_report):
    original, copy = make_report(), make_report()
    with pytest.raises(InvalidTransition):
        copy.set_state_by_body(State.DUPLICATE)
    with pytest.raises(InvalidTransition):
        copy.set_state_by_body(State.DUPLICATE, duplicate_of=copy)
    copy.set_state_by_body(State.DUPLICATE, duplicate_of=original)
    assert copy.duplicate_of == original and copy.group == "closed"


def test_a_body_cannot_answer_an_unconfirmed_report(make_report):
    with pytest.raises(InvalidTransition):
        make_report(state=State.UNCONFIRMED).set_state_by_body(State.ACKNOWLEDGED)


def test_a_body_cannot_set_an_unknown_state(make_report):
    with pytest.raises(InvalidTransition):
        make_report().set_state_by_body("banana")


def test_public_excludes_unconfirmed_and_hidden_reports(make_report):
    shown = make_report()
    make_report(state=State.UNCONFIRMED)
    make_report(hidden=True)
    assert list(Report.objects.public()) == [shown]


def test_category_names_follow_the_language(category):
    with override("nn"):
        assert category.name == "Gatelys"
    with override("en"):
        assert category.name == "Street light"


def test_near_uses_exact_distance_not_the_bounding_box(make_report):
    lat, lon = 60.1905, 11.9977
    inside = [make_report(*destination(lat, lon, 490, bearing)) for bearing in (0, 45, 135, 270)]
    # A point in the corner of the bounding box is 707 m away: outside the circle.
    make_report(*destination(lat, lon, 600, 45))
    make_report(*destination(lat, lon, 510, 180))
    found = Report.objects.near(lat, lon, 500)
    assert {r.pk for r in found} == {r.pk for r in inside}
    # The reference points are on a sphere; the ellipsoid differs by up to 0.5 % here.
    assert all(abs(r.distance - 490) < 490 * 0.005 for r in found)


def test_near_lists_newest_first_and_paginates(make_report):
    now = timezone.now()
    reports = [make_report(created=now - timedelta(hours=h)) for h in range(25)]
    page = Paginator(Report.objects.near(60.1905, 11.9977, 500), 10).page(1)
    assert list(page) == reports[:10]
    assert page.paginator.num_pages == 3


def test_near_costs_one_query(make_report, django_assert_num_queries):
    for _ in range(5):
        make_report()
    with django_assert_num_queries(1):
        assert len(list(Report.objects.public().near(60.1905, 11.9977, 500)[:20])) == 5


def test_near_with_a_wide_radius_still_filters_by_exact_distance(make_report):
    near = make_report(*destination(60.1905, 11.9977, 19_000, 90))
    make_report(*destination(60.1905, 11.9977, 21_000, 90))
    assert list(Report.objects.near(60.1905, 11.9977, 20_000)) == [near]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lat=st.floats(min_value=58.0, max_value=70.5),
    lon=st.floats(min_value=5.0, max_value=30.0),
    metres=st.floats(min_value=50, max_value=5000),
    seed=st.integers(0, 10_000),
)
def test_near_agrees_with_a_brute_force_haversine_search(category, citizen, lat, lon, metres, seed):
    """The fixtures hold one body and one citizen, shared safely by every example."""
    rng = random.Random(seed)
    Report.objects.all().delete()
    points = [
        destination(lat, lon, rng.uniform(0, 2 * metres), rng.uniform(0, 360)) for _ in range(40)
    ]
    Report.objects.bulk_create(
        Report(
            lat=a,
            lon=b,
            category=category,
            reporter=citizen,
            title="x",
            state=State.OPEN,
        )
        for a, b in points
    )
    expected = {(a, b) for a, b in points if haversine(lat, lon, a, b) <= metres * 0.995}
    borderline = {
        (a, b) for a, b in points if abs(haversine(lat, lon, a, b) - metres) < metres * 0.005
    }
    found = set(Report.objects.near(lat, lon, metres).values_list("lat", "lon"))
    assert expected <= found
    assert found - expected <= borderline


def haversine(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS * math.asin(math.sqrt(a))
