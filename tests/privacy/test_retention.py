"""Retention: one row of every kind just past its period and one just inside it; the dry
run counts what the real run then does, changes nothing itself, and the real run removes or
empties exactly the rows past their time (on SQLite and PostgreSQL alike)."""

import datetime
import io

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.conftest import make_photos_ready
from tests.privacy.conftest import report_by
from torget.accounts.models import DataExport, SignIn, User
from torget.alerts.models import SentDigest, Subscription
from torget.audit.models import Action, Entry
from torget.delivery.models import Delivery, DeliveryState, SendMethod
from torget.lib.retention import years
from torget.mail.models import Email, EmailState
from torget.reports.models import Photo, Report, State
from torget.site import jobs, retention

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def clock() -> datetime.datetime:
    """When the scene is made. The command and the job read the clock themselves, within
    seconds of it, far inside the minute each row is from its edge."""
    return timezone.now()


def unproven(email: str, joined: datetime.datetime) -> User:
    return User.objects.create(email=email, password=make_password(None), date_joined=joined)


@pytest.fixture
def edges(kongsvinger_category, eidskog_category, eidskog_body, citizen, clock):
    """Returns (what goes, what stays), by name."""

    def ago(delta: datetime.timedelta) -> datetime.datetime:
        return clock - delta

    gone, kept = {}, {}
    # Unconfirmed reports: 30 days (the default).
    old = report_by(None, kongsvinger_category, title="Gammel", email="glemt@example.org", photos=1)
    make_photos_ready()
    Report.objects.filter(pk=old.pk).update(created=ago(30 * DAY + MINUTE))
    User.objects.filter(pk=old.reporter_id).update(date_joined=ago(40 * DAY))
    gone["unconfirmed"], gone["its account"] = old, old.reporter
    gone["its photo"] = Photo.objects.get(report=old).image.name
    young = report_by(None, kongsvinger_category, title="Ny", email="venter@example.org")
    Report.objects.filter(pk=young.pk).update(created=ago(30 * DAY - MINUTE))
    kept["unconfirmed"] = young

    # Contact details on closed reports: 3 years (default), Eidskog 1 year.
    eidskog_body.keep_contact_years = 1
    eidskog_body.save(update_fields=["keep_contact_years"])

    def closed(category, age, title):
        report = report_by(citizen, category, title=title, name="Kari N", phone="+47 1")
        Report.objects.filter(pk=report.pk).update(state=State.CLOSED, closed=ago(age))
        return report

    gone["closed long ago"] = closed(kongsvinger_category, years(3) + MINUTE, "Lukket lenge")
    kept["closed lately"] = closed(kongsvinger_category, years(3) - MINUTE, "Lukket nylig")
    gone["closed in Eidskog"] = closed(eidskog_category, years(1) + MINUTE, "Eidskog gammel")
    kept["closed in Kongsvinger, a year"] = closed(
        kongsvinger_category, years(1) + MINUTE, "Ett år"
    )
    open_report = report_by(citizen, kongsvinger_category, title="Åpen", phone="+47 2")
    Report.objects.filter(pk=open_report.pk).update(created=ago(years(10)))
    kept["open"] = open_report

    # Sign-ins: 90 days.
    gone["sign-in"] = SignIn.objects.create(
        user=citizen, method="password", at=ago(90 * DAY + MINUTE)
    )
    kept["sign-in"] = SignIn.objects.create(user=citizen, method="link", at=ago(90 * DAY - MINUTE))
    # Sessions past their expiry.
    gone["session"] = Session.objects.create(
        session_key="a" * 32, session_data="", expire_date=ago(MINUTE)
    )
    kept["session"] = Session.objects.create(
        session_key="b" * 32, session_data="", expire_date=clock + DAY
    )
    # Data exports: link run out; one still waiting.
    gone["export"] = DataExport.objects.create(
        user=citizen, ready=ago(DAY), expires=ago(MINUTE), file="exports/x.zip"
    )
    kept["export"] = DataExport.objects.create(user=citizen)
    # Accounts never proven: 30 days once nothing points at them.
    gone["lonely account"] = unproven("ensom@example.org", ago(30 * DAY + MINUTE))
    kept["young account"] = unproven("fersk@example.org", ago(30 * DAY - MINUTE))
    named = unproven("navngitt@example.org", ago(400 * DAY))
    Report.objects.filter(pk=open_report.pk).update(reporter=named)
    kept["named account"] = named

    # Alert sign-ups never confirmed: 7 days' link and a day's margin.
    def sign_up(age):
        return Subscription.objects.create(
            user=citizen, kind="body", body=eidskog_body, created=ago(age)
        )

    gone["sign-up"], kept["sign-up"] = sign_up(8 * DAY + MINUTE), sign_up(8 * DAY - MINUTE)
    gone["sent log"] = SentDigest.objects.create(
        user=citizen, items="new:1", sent=ago(4 * DAY + MINUTE)
    )
    kept["sent log"] = SentDigest.objects.create(
        user=citizen, items="new:2", sent=ago(4 * DAY - MINUTE)
    )

    # The outbox: 30 days (TORGET_MAIL_KEEP_DAYS).
    def email(age):
        return Email.objects.create(
            to="kari@example.org", subject="Lenke", text="...", state=EmailState.SENT, sent=ago(age)
        )

    gone["e-mail"], kept["e-mail"] = email(30 * DAY + MINUTE), email(30 * DAY - MINUTE)

    # Delivery errors: 90 days.
    def failed(report, age):
        """The delivery the report got on confirming, as if the body's server refused it."""
        Delivery.objects.filter(report=report).update(
            method=SendMethod.EMAIL,
            state=DeliveryState.FAILED,
            next_attempt_at=ago(age),
            last_error="550 kari@example.org",
        )
        return Delivery.objects.get(report=report)

    gone["delivery error"] = failed(gone["closed long ago"], 90 * DAY + MINUTE)
    kept["delivery error"] = failed(kept["closed lately"], 90 * DAY - MINUTE)

    # Finished background tasks: 14 days.
    def task(age):
        return DBTaskResult.objects.create(
            status="SUCCESSFUL",
            finished_at=ago(age),
            args_kwargs={"args": [1], "kwargs": {}},
            task_path="torget.mail.tasks.send_email",
            backend_name="default",
            run_after=ago(age),
        )

    gone["task"], kept["task"] = task(14 * DAY + MINUTE), task(14 * DAY - MINUTE)

    # The audit log: 365 days (TORGET_AUDIT_KEEP_DAYS).
    def audit_entry(age):
        return Entry.objects.create(action=Action.SIGN_IN, actor="staff@example.org", at=ago(age))

    gone["audit"], kept["audit"] = audit_entry(365 * DAY + MINUTE), audit_entry(365 * DAY - MINUTE)
    return gone, kept


EXPECTED = {
    "unconfirmed reports": 1,
    "reporters' contact details on closed reports": 2,
    "sign-ins": 1,
    "ended sessions": 1,
    "data exports": 1,
    "accounts whose address was never proven": 2,  # the lonely one, and the old report's
    "alert sign-ups never confirmed": 1,
    "alert e-mails' log": 1,
    "e-mails to people (with login links)": 1,
    "delivery errors": 1,
    "finished background tasks": 1,
    "audit log entries": 1,
}


def counts(outcomes):
    return {o.rule.name: o.count for o in outcomes}


def test_the_dry_run_counts_what_the_real_run_does_and_changes_nothing(
    edges, clock, django_capture_on_commit_callbacks
):
    gone, _ = edges
    dry = counts(retention.run(commit=False, now=clock))
    assert dry == EXPECTED
    assert Report.objects.filter(pk=gone["unconfirmed"].pk).exists()
    assert Report.objects.get(pk=gone["closed long ago"].pk).reporter_name == "Kari N"
    assert User.objects.filter(pk=gone["lonely account"].pk).exists()
    assert default_storage.exists(gone["its photo"])
    with django_capture_on_commit_callbacks(execute=True):
        real = counts(retention.run(commit=True, now=clock))
    assert real == dry
    assert counts(retention.run(commit=False, now=clock)) == dict.fromkeys(EXPECTED, 0)


def test_the_real_run_removes_what_is_past_its_time_and_keeps_the_rest(
    edges, clock, django_capture_on_commit_callbacks
):
    gone, kept = edges
    with django_capture_on_commit_callbacks(execute=True):
        retention.run(commit=True, now=clock)
    assert not Report.objects.filter(pk=gone["unconfirmed"].pk).exists()
    assert not default_storage.exists(gone["its photo"])
    assert Report.objects.filter(pk=kept["unconfirmed"].pk).exists()
    for name in ["closed long ago", "closed in Eidskog"]:
        report = Report.objects.get(pk=gone[name].pk)
        assert (report.reporter, report.reporter_name, report.reporter_phone) == (None, "", "")
        assert report.state == State.CLOSED  # the report itself stays
    for name in ["closed lately", "closed in Kongsvinger, a year"]:
        report = Report.objects.get(pk=kept[name].pk)
        assert (report.reporter_name, report.reporter_phone) == ("Kari N", "+47 1")
    assert Report.objects.get(pk=kept["open"].pk).reporter_phone == "+47 2"
    for name in ["its account", "lonely account"]:
        assert not User.objects.filter(pk=gone[name].pk).exists()
    for name in ["young account", "named account"]:
        assert User.objects.filter(pk=kept[name].pk).exists()
    for model, name in [
        (SignIn, "sign-in"),
        (Session, "session"),
        (DataExport, "export"),
        (Subscription, "sign-up"),
        (SentDigest, "sent log"),
        (Email, "e-mail"),
        (DBTaskResult, "task"),
        (Entry, "audit"),
    ]:
        assert not model.objects.filter(pk=gone[name].pk).exists(), name
        assert model.objects.filter(pk=kept[name].pk).exists(), name
    assert Delivery.objects.get(pk=gone["delivery error"].pk).last_error == ""
    assert Delivery.objects.get(pk=kept["delivery error"].pk).last_error


def test_a_period_of_zero_keeps_contact_details_unless_a_body_says_otherwise(
    edges, clock, settings
):
    settings.KEEP_CONTACT_YEARS = 0
    dry = counts(retention.run(commit=False, now=clock))
    assert dry["reporters' contact details on closed reports"] == 1  # Eidskog's


def test_the_command_dry_run_prints_each_rule_and_changes_nothing(edges):
    out, err = io.StringIO(), io.StringIO()
    call_command("retention", "--dry-run", stdout=out, stderr=err)
    text = out.getvalue()
    assert "sign-ins (older than 90 days): 1 would be removed" in text
    assert "reporters' contact details on closed reports" in text and "would be emptied" in text
    assert "Dry run: nothing was changed." in text
    assert "Retention" in err.getvalue()  # the progress bar
    assert SignIn.objects.count() == 2


def test_the_command_removes_for_real(edges):
    out = io.StringIO()
    call_command("retention", stdout=out, stderr=io.StringIO())
    assert "sign-ins (older than 90 days): 1 removed" in out.getvalue()
    assert SignIn.objects.count() == 1


def test_the_daily_job_runs_the_rules_and_says_what_it_removed(edges):
    [job] = [job for job in jobs.JOBS if job.name == "retention"]
    said = job.run()
    assert "1 sign-ins removed" in said
    assert SignIn.objects.count() == 1
