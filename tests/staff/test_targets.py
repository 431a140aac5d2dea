"""Targets: per body and category, working days to the first answer and to the fix, with
Norway's public holidays left out; the inbox's "past its target" and its sort by target; the
managers' page; the daily list of overdue reports to the body's managers."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.staff.conftest import member, report
from torget.accounts.models import Role
from torget.lib import workdays
from torget.mail.models import Email
from torget.reports import actions
from torget.reports.models import State
from torget.site.management.commands.worker import installed_jobs
from torget.staff import targets
from torget.staff.models import Handling, Target

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")


def at(year: int, month: int, day: int, hour: int, minute: int) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=OSLO)


# Working days.


def test_easter_and_the_weekend_are_not_working_days():
    # Wednesday before Easter 2026: Maundy Thursday, Good Friday and Easter Monday are
    # holidays, so one working day later is the Tuesday after Easter.
    assert workdays.add_working_days(datetime.date(2026, 4, 1), 1) == datetime.date(2026, 4, 7)
    # Friday + 1 is Monday; Ascension Day (14 May 2026) is skipped.
    assert workdays.add_working_days(datetime.date(2026, 5, 8), 1) == datetime.date(2026, 5, 11)
    assert workdays.add_working_days(datetime.date(2026, 5, 13), 1) == datetime.date(2026, 5, 15)
    # Constitution Day on a Monday (2027) and Christmas.
    assert not workdays.is_working_day(datetime.date(2027, 5, 17))
    assert workdays.add_working_days(datetime.date(2026, 12, 24), 1) == datetime.date(2026, 12, 28)


def test_a_deadline_is_the_end_of_the_last_working_day_in_norway():
    # Friday evening, two working days: the end of Tuesday, Oslo time.
    assert workdays.deadline(at(2026, 3, 6, 22, 30), 2) == at(2026, 3, 11, 0, 0)
    # 23:30 UTC on a Monday is already Tuesday in Oslo.
    late = datetime.datetime(2026, 3, 9, 23, 30, tzinfo=datetime.UTC)
    assert workdays.deadline(late, 1) == at(2026, 3, 12, 0, 0)


# Deadlines on the handling.


def handling(found_report, body):
    return Handling.objects.get(report=found_report, body=body)


@pytest.mark.django_db
def test_a_report_gets_the_deadlines_of_its_categorys_target(
    citizen, streetlights, potholes, kongsvinger
):
    Target.objects.create(body=kongsvinger, category=streetlights, answer_days=2, fix_days=10)
    Target.objects.create(body=kongsvinger, category=None, answer_days=5)
    lights, hole = report(citizen, streetlights), report(citizen, potholes)
    row = handling(lights, kongsvinger)
    assert row.arrived is not None
    assert row.answer_due == workdays.deadline(row.arrived, 2)
    assert row.fix_due == workdays.deadline(row.arrived, 10)
    assert row.due == row.answer_due
    other = handling(hole, kongsvinger)
    assert other.answer_due == workdays.deadline(other.arrived, 5)
    assert (other.fix_due, other.due == other.answer_due) == (None, True)


@pytest.mark.django_db
def test_without_targets_nothing_is_due(public_report, kongsvinger):
    row = handling(public_report, kongsvinger)
    assert (row.answer_due, row.fix_due, row.due) == (None, None, None)


@pytest.mark.django_db
def test_the_answer_moves_the_target_to_the_fix_and_fixing_ends_it(
    citizen, handler, streetlights, kongsvinger
):
    Target.objects.create(body=kongsvinger, category=streetlights, answer_days=2, fix_days=10)
    found = report(citizen, streetlights)
    actions.answer_as_body(report=found, staff=handler, body=kongsvinger, text="Vi ser på det.")
    row = handling(found, kongsvinger)
    assert row.due == row.fix_due
    actions.answer_as_body(
        report=found, staff=handler, body=kongsvinger, text="Fikset.", new_state=State.FIXED
    )
    assert handling(found, kongsvinger).due is None


@pytest.mark.django_db
def test_a_citizen_marking_it_fixed_ends_the_target(citizen, streetlights, kongsvinger):
    Target.objects.create(body=kongsvinger, category=None, answer_days=2)
    found = report(citizen, streetlights)
    actions.add_update(
        report=found, author=citizen, text="Nå lyser det.", photos=[], mark_fixed=True
    )
    assert handling(found, kongsvinger).due is None


@pytest.mark.django_db
def test_a_category_change_takes_the_new_categorys_target(
    citizen, handler, streetlights, potholes, kongsvinger
):
    Target.objects.create(body=kongsvinger, category=potholes, answer_days=1)
    found = report(citizen, streetlights)
    assert handling(found, kongsvinger).due is None
    actions.change_category(report=found, category=potholes, by=handler, body=kongsvinger)
    row = handling(found, kongsvinger)
    assert row.due == workdays.deadline(row.arrived, 1)


def make_overdue(found, body, days_ago: int = 10):
    """The report reached the body `days_ago` days ago; deadlines worked out again."""
    Handling.objects.filter(report=found, body=body).update(
        arrived=timezone.now() - datetime.timedelta(days=days_ago)
    )
    targets.recompute_open(body)


# The inbox.


def inbox(client, **query):
    return client.get(reverse("staff:inbox"), query)


@pytest.mark.django_db
def test_the_inbox_lists_what_is_past_its_target(
    client, handler, citizen, streetlights, kongsvinger
):
    Target.objects.create(body=kongsvinger, category=None, answer_days=2)
    late = report(citizen, streetlights, title="Lenge siden")
    report(citizen, streetlights, title="Helt nytt")
    make_overdue(late, kongsvinger)
    client.force_login(handler)
    response = inbox(client, waiting="overdue")
    assert response.status_code == 200
    assert "Lenge siden" in response.text
    assert "Helt nytt" not in response.text
    assert "Svaret er over fristen" in response.text


@pytest.mark.django_db
def test_the_inbox_sorts_by_the_nearest_target(client, handler, citizen, streetlights, kongsvinger):
    Target.objects.create(body=kongsvinger, category=None, answer_days=2)
    first = report(citizen, streetlights, title="Først reist")
    second = report(citizen, streetlights, title="Sist reist")
    report(citizen, streetlights, title="Besvart og ferdig")
    make_overdue(first, kongsvinger, days_ago=20)
    Handling.objects.filter(report=second).update(arrived=timezone.now() - datetime.timedelta(5))
    targets.recompute_open(kongsvinger)
    client.force_login(handler)
    text = inbox(client, sort="target").text
    assert text.index("Først reist") < text.index("Sist reist") < text.index("Besvart og ferdig")


# The managers' page.


def targets_url(body):
    return reverse("staff:targets", args=[body.slug])


@pytest.mark.django_db
def test_a_manager_sets_targets_and_open_reports_get_deadlines(
    client, manager, citizen, streetlights, potholes, kongsvinger
):
    found = report(citizen, potholes)
    client.force_login(manager)
    assert client.get(targets_url(kongsvinger)).status_code == 200
    response = client.post(
        targets_url(kongsvinger),
        {"answer-all": "3", "fix-all": "", f"answer-{potholes.pk}": "1", f"fix-{potholes.pk}": "5"},
    )
    assert response.status_code == 302
    rows = {(t.category_id, t.answer_days, t.fix_days) for t in Target.objects.all()}
    assert rows == {(None, 3, None), (potholes.pk, 1, 5)}
    row = handling(found, kongsvinger)
    assert row.due == workdays.deadline(row.arrived or found.confirmed, 1)
    # Emptying a row takes the target away.
    client.post(targets_url(kongsvinger), {"answer-all": "3"})
    assert set(Target.objects.values_list("category_id", flat=True)) == {None}


@pytest.mark.django_db
def test_bad_days_are_refused_and_nothing_is_saved(client, manager, streetlights, kongsvinger):
    client.force_login(manager)
    for bad in ("0", "-2", "1000", "to", "1.5"):
        response = client.post(targets_url(kongsvinger), {"answer-all": "3", "fix-all": bad})
        assert response.status_code == 400, bad
    assert not Target.objects.exists()


@pytest.mark.django_db
def test_a_handler_may_not_set_targets(client, handler, moderator, kongsvinger):
    for person in (handler, moderator):
        client.force_login(person)
        assert client.get(targets_url(kongsvinger)).status_code == 403
        assert client.post(targets_url(kongsvinger), {"answer-all": "1"}).status_code == 403
    assert not Target.objects.exists()


@pytest.mark.django_db
def test_another_bodys_targets_are_not_found(client, manager, eidskog):
    client.force_login(manager)
    assert client.get(targets_url(eidskog)).status_code == 404


# The managers' daily list.


@pytest.fixture
def overdue_report(citizen, streetlights, kongsvinger):
    Target.objects.create(body=kongsvinger, category=None, answer_days=2, fix_days=20)
    found = report(citizen, streetlights, title="Mørk lyktestolpe")
    make_overdue(found, kongsvinger)
    return found


def a_month_on(working: bool) -> datetime.datetime:
    """08:00 on the first working day (or the first Saturday) a month from now."""
    day = timezone.localdate() + datetime.timedelta(days=30)
    while workdays.is_working_day(day) != working or (not working and day.weekday() != 5):
        day += datetime.timedelta(days=1)
    return at(day.year, day.month, day.day, 8, 0)


@pytest.mark.django_db
def test_the_managers_get_the_overdue_list_in_their_language(
    manager, handler, overdue_report, django_user_model, kongsvinger
):
    nynorsk = member(
        django_user_model, kongsvinger, "nora@kongsvinger.example", "Nora", Role.MANAGER
    )
    nynorsk.language = "nn"
    nynorsk.save(update_fields=["language"])
    assert targets.send_overdue_lists(a_month_on(working=True)) == 2
    # The outbox holds each e-mail rendered, in the recipient's language.
    sent = {row.to: row for row in Email.objects.all()}
    assert set(sent) == {manager.email, nynorsk.email}
    assert "Mørk lyktestolpe" in sent[manager.email].text
    assert "/staff/?body=kongsvinger&waiting=overdue&sort=target" in sent[manager.email].text
    assert sent[manager.email].subject == "Kongsvinger kommune: 1 melding har passert fristen"
    assert "fristen for første svar eller for utbedring" in sent[manager.email].text
    assert "fristen for første svar eller for utbetring" in sent[nynorsk.email].text


@pytest.mark.django_db
def test_no_list_when_nothing_is_overdue(manager, public_report, kongsvinger):
    Target.objects.create(body=kongsvinger, category=None, answer_days=2)
    assert targets.send_overdue_lists(timezone.now()) == 0
    assert not Email.objects.exists()


@pytest.mark.django_db
def test_no_list_on_a_day_off(manager, overdue_report):
    assert targets.send_overdue_lists(a_month_on(working=False)) == 0
    assert not Email.objects.exists()


@pytest.mark.django_db
def test_a_handler_gets_no_list(handler, overdue_report):
    assert targets.send_overdue_lists(a_month_on(working=True)) == 0


@pytest.mark.django_db
def test_the_worker_runs_the_overdue_list_daily():
    names = [job.name for job in installed_jobs()]
    assert "overdue reports" in names
