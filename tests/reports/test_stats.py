"""The figures on the front page and the all-reports pages, checked on small hand-made data."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from torget.places.models import Body
from torget.reports import stats
from torget.reports.models import Category, Photo, PhotoState, Report, State, Update

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def body():
    return Body.objects.create(name="Kongsvinger kommune", slug="kongsvinger", kind="kommune")


@pytest.fixture
def other_body():
    return Body.objects.create(name="Eidskog kommune", slug="eidskog", kind="kommune")


def category_of(body):
    return Category.objects.create(body=body, slug="veg", name_nb="Veg", name_nn="Veg")


@pytest.fixture
def make_report(body, citizen, now):
    categories = {}

    def make(state=State.OPEN, age=timedelta(0), of=None, **fields):
        of = of or body
        category = categories.get(of.pk) or categories.setdefault(of.pk, category_of(of))
        confirmed = None if state == State.UNCONFIRMED else now - age
        values = {"created": now - age, "confirmed": confirmed, **fields}
        report = Report.objects.create(
            lat=60.19,
            lon=12.0,
            category=category,
            reporter=citizen,
            title="Hull",
            state=state,
            **values,
        )
        report.bodies.set([of])
        return report

    return make


def add_photo(report, update=None):
    photo = Photo(report=report, update=update, state=PhotoState.READY)
    photo.image.save("p.jpg", ContentFile(b"jpeg"), save=False)
    photo.save()
    return photo


# The front page


def test_front_figures_count_the_past_week_and_month(make_report, citizen, now):
    make_report(age=3 * DAY)
    make_report(age=6 * DAY)
    make_report(age=8 * DAY)
    make_report(age=DAY, state=State.UNCONFIRMED)
    make_report(age=DAY, hidden=True)
    make_report(age=40 * DAY, state=State.FIXED, fixed=now - 29 * DAY)
    make_report(age=40 * DAY, state=State.FIXED, fixed=now - 31 * DAY)
    make_report(age=2 * DAY, state=State.FIXED, fixed=now - DAY, hidden=True)
    report = make_report(age=20 * DAY)
    Update.objects.create(report=report, author=citizen, text="Nytt", created=now - 2 * DAY)
    Update.objects.create(report=report, author=citizen, text="Gammelt", created=now - 9 * DAY)
    Update.objects.create(report=report, author=citizen, text="Skjult", hidden=True)
    hidden = make_report(age=20 * DAY, hidden=True)
    Update.objects.create(report=hidden, author=citizen, text="På skjult rapport")

    assert stats.count_front_figures() == stats.FrontFigures(
        reports_past_week=2, fixed_past_month=1, updates_past_week=1
    )


def test_front_figures_are_cached(make_report, django_assert_num_queries):
    make_report()
    first = stats.front_figures()
    make_report()
    with django_assert_num_queries(0):
        assert stats.front_figures() == first


def test_recent_reports_with_photos_are_public_newest_first_and_few(make_report):
    made = []
    for _ in range(stats.RECENT_WITH_PHOTOS + 2):
        report = make_report()
        add_photo(report)
        made.append(report)
    add_photo(make_report(hidden=True))
    add_photo(make_report(state=State.UNCONFIRMED))
    make_report()
    recent = stats.find_recent_reports_with_photos()
    assert [r.pk for r in recent] == [r.pk for r in reversed(made)][: stats.RECENT_WITH_PHOTOS]


def test_a_photo_added_by_an_update_does_not_make_a_report_a_photo_report(make_report, citizen):
    report = make_report()
    update = Update.objects.create(report=report, author=citizen, text="Her er et bilde")
    add_photo(report, update=update)
    assert stats.find_recent_reports_with_photos() == []


def test_recent_reports_come_with_their_photos_category_and_bodies(
    make_report, django_assert_num_queries
):
    add_photo(make_report())
    [report] = stats.recent_reports_with_photos()
    with django_assert_num_queries(0):
        assert report.photos.all()[0].image.name
        assert report.category.name == "Veg"
        assert [b.slug for b in report.bodies.all()] == ["kongsvinger"]
    with django_assert_num_queries(0):
        assert [r.pk for r in stats.recent_reports_with_photos()] == [report.pk]


# All reports


def test_bodies_are_counted_by_state_group(make_report, body, other_body):
    make_report()
    make_report(state=State.PLANNED)
    make_report(state=State.FIXED)
    make_report(state=State.NOT_RESPONSIBLE)
    make_report(state=State.DUPLICATE)
    make_report(state=State.UNCONFIRMED)
    make_report(hidden=True)
    make_report(of=other_body, state=State.FIXED)
    Body.objects.create(name="Nedlagt etat", slug="nedlagt", kind="other", active=False)
    counts = {c.slug: (c.open, c.fixed, c.closed) for c in stats.count_by_body()}
    assert counts == {"eidskog": (0, 1, 0), "kongsvinger": (2, 1, 2)}


def test_body_counts_cost_two_queries_and_then_none(
    make_report, other_body, django_assert_num_queries
):
    for _ in range(5):
        make_report()
        make_report(of=other_body)
    with django_assert_num_queries(2):
        stats.body_counts()
    with django_assert_num_queries(0):
        stats.body_counts()


# One body


def answered_after(make_report, answer_after, fix_after=None, **fields):
    report = make_report(state=State.FIXED if fix_after else State.ACKNOWLEDGED, **fields)
    confirmed = timezone.now() - 30 * DAY
    Report.objects.filter(pk=report.pk).update(
        confirmed=confirmed,
        answered=confirmed + answer_after if answer_after else None,
        fixed=confirmed + fix_after if fix_after else None,
    )
    return report


def test_the_median_times_are_right_for_an_odd_number_of_reports(make_report, body):
    answered_after(make_report, HOUR, fix_after=2 * DAY)
    answered_after(make_report, 5 * HOUR, fix_after=4 * DAY)
    answered_after(make_report, 3 * HOUR)
    figures = stats.compute_body_figures(body)
    assert figures.median_to_answer == 3 * HOUR
    assert figures.median_to_fixed == 3 * DAY
    assert (figures.answered_sample, figures.fixed_sample) == (3, 2)


def test_the_median_of_an_even_number_is_the_mean_of_the_middle_two(make_report, body):
    for hours in (1, 2, 4, 100):
        answered_after(make_report, hours * HOUR)
    assert stats.compute_body_figures(body).median_to_answer == 3 * HOUR


def test_medians_count_only_the_bodys_public_answered_reports(make_report, body, other_body):
    answered_after(make_report, 2 * HOUR)
    answered_after(make_report, 100 * HOUR, of=other_body)
    answered_after(make_report, 100 * HOUR, hidden=True)
    answered_after(make_report, None)
    assert stats.compute_body_figures(body).median_to_answer == 2 * HOUR


def test_a_body_with_nothing_answered_has_no_medians(make_report, body):
    make_report()
    figures = stats.compute_body_figures(body)
    assert figures.median_to_answer is None and figures.median_to_fixed is None


def test_medians_use_only_the_newest_answers(make_report, body, monkeypatch):
    monkeypatch.setattr(stats, "MEDIAN_SAMPLE", 2)
    slow = answered_after(make_report, 50 * HOUR)
    answered_after(make_report, HOUR)
    answered_after(make_report, HOUR)
    Report.objects.filter(pk=slow.pk).update(answered=timezone.now() - 60 * DAY)
    assert stats.compute_body_figures(body).median_to_answer == HOUR


def test_a_body_is_counted_by_state(make_report, body):
    make_report()
    make_report()
    make_report(state=State.IN_PROGRESS)
    make_report(state=State.NO_FURTHER_ACTION)
    make_report(state=State.UNCONFIRMED)
    figures = stats.compute_body_figures(body)
    assert figures.by_state == {"open": 2, "in_progress": 1, "no_further_action": 1}
    assert figures.by_group == {"open": 3, "fixed": 0, "closed": 1}


def test_a_bodys_figures_are_cached_per_body(
    make_report, body, other_body, django_assert_num_queries
):
    answered_after(make_report, HOUR)
    answered_after(make_report, 9 * HOUR, of=other_body)
    first = stats.body_figures(body)
    with django_assert_num_queries(0):
        assert stats.body_figures(body) == first
    assert stats.body_figures(other_body).median_to_answer == 9 * HOUR


def test_a_body_without_areas_has_no_map_bounds(body):
    assert stats.compute_body_figures(body).bounds is None


def test_forgetting_drops_the_cached_lists(make_report, django_assert_num_queries):
    stats.front_figures()
    stats.forget()
    with django_assert_num_queries(3):
        stats.front_figures()


def test_the_public_total_counts_public_reports_and_is_cached(
    make_report, django_assert_num_queries
):
    make_report()
    make_report(state=State.FIXED)
    make_report(state=State.UNCONFIRMED)
    make_report(hidden=True)
    assert stats.public_total() == 2
    make_report()
    with django_assert_num_queries(0):
        assert stats.public_total() == 2
