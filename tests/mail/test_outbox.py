"""The outbox of e-mails to people: recorded with the change that calls for them, sent at
once after the commit, retried with back-off while the mail server refuses for now, failed for
good (and shown to staff) when it refuses for good, and forgotten after a while."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.mail.conftest import submit_report
from torget.accounts import actions as accounts
from torget.mail import sending
from torget.mail.models import Email, EmailState
from torget.reports.models import Report

pytestmark = pytest.mark.django_db


def test_a_report_is_saved_with_its_confirmation_email_in_the_same_transaction(
    client, kongsvinger_category
):
    """Nothing runs on commit here (the test's transaction never commits), yet the e-mail is
    there: it is a row written beside the report, not a task queued afterwards."""
    assert submit_report(client, kongsvinger_category, 1) == 200
    report = Report.objects.get()
    email = Email.objects.get()
    assert email.to == "person1@example.org"
    assert email.subject == f"Bekreft meldingen din: {report.title}"
    assert "/report/confirm/" in email.text
    assert "/report/confirm/" in email.html
    assert email.state == EmailState.PENDING
    assert email.headers["Message-ID"].startswith("<")


def test_it_is_sent_as_soon_as_the_report_is_committed(
    client, kongsvinger_category, mailers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit_report(client, kongsvinger_category, 1)
    [message] = mailers.to("person1@example.org")
    email = Email.objects.get()
    assert email.state == EmailState.SENT
    assert email.attempts == 1
    assert message["Message-ID"] == email.headers["Message-ID"]
    assert "/report/confirm/" in message.get_body(("plain",)).get_content()
    assert "/report/confirm/" in message.get_body(("html",)).get_content()


def test_a_login_link_goes_through_the_outbox(citizen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        accounts.request_login_link(email=citizen.email, next_url="/", language="en")
    email = Email.objects.get()
    assert (email.to, email.state) == (citizen.email, EmailState.SENT)
    [message] = mail.outbox
    assert message.subject == "Your login link for Torget"


def test_a_permanent_refusal_is_recorded_as_failed_and_not_tried_again(
    client, kongsvinger_category, mailers, clock, django_capture_on_commit_callbacks
):
    mailers.refuse("550 5.1.1 No such user")
    with django_capture_on_commit_callbacks(execute=True):
        submit_report(client, kongsvinger_category, 1)
    email = Email.objects.get()
    assert email.state == EmailState.FAILED
    assert "550" in email.last_error
    assert "No such user" in email.last_error

    mailers.refuse("")
    clock.advance(hours=2)
    assert sending.send_due() == 0
    assert mailers.messages == []


def test_staff_see_failed_emails_in_the_admin(
    client, admin_client, kongsvinger_category, mailers, django_capture_on_commit_callbacks
):
    mailers.refuse("550 5.1.1 No such user")
    with django_capture_on_commit_callbacks(execute=True):
        submit_report(client, kongsvinger_category, 1)
        submit_report(client, kongsvinger_category, 2)
    Email.objects.filter(to="person2@example.org").update(state=EmailState.SENT)

    changelist = reverse("admin:mail_email_changelist")
    page = admin_client.get(changelist, {"state__exact": EmailState.FAILED})

    assert page.status_code == 200
    content = page.content.decode()
    assert "person1@example.org" in content
    assert "No such user" in content
    assert "person2@example.org" not in content


def test_send_again_in_the_admin_sends_a_failed_email(
    client, admin_client, kongsvinger_category, mailers, django_capture_on_commit_callbacks
):
    mailers.refuse("550 5.1.1 No such user")
    with django_capture_on_commit_callbacks(execute=True):
        submit_report(client, kongsvinger_category, 1)
    email = Email.objects.get()
    mailers.refuse("")  # the address was fixed on the server's side

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:mail_email_changelist"),
            {"action": "send_again", "_selected_action": [email.pk]},
        )

    email.refresh_from_db()
    assert email.state == EmailState.SENT
    assert len(mailers.to("person1@example.org")) == 1


def test_a_temporary_refusal_is_retried_later(
    client, kongsvinger_category, mailers, clock, django_capture_on_commit_callbacks
):
    mailers.refuse("451 4.3.0 Try again later")
    with django_capture_on_commit_callbacks(execute=True):
        submit_report(client, kongsvinger_category, 1)
    email = Email.objects.get()
    assert (email.state, email.attempts) == (EmailState.PENDING, 1)
    assert "451" in email.last_error
    assert email.next_attempt > timezone.now()

    # Not yet due: the sweep leaves it.
    assert sending.send_due() == 0
    mailers.refuse("")
    clock.advance(minutes=1, seconds=1)
    assert sending.send_due() == 1

    email.refresh_from_db()
    assert (email.state, email.attempts) == (EmailState.SENT, 2)
    assert len(mailers.to("person1@example.org")) == 1


def test_the_wait_between_tries_doubles_up_to_an_hour():
    waits = [Email(attempts=attempts).retry_delay() for attempts in (1, 2, 3, 6, 7, 8, 50)]
    minutes = [wait / datetime.timedelta(minutes=1) for wait in waits]
    assert minutes == [1, 2, 4, 32, 60, 60, 60]


def test_it_gives_up_after_days_of_temporary_refusals(
    client, kongsvinger_category, mailers, clock, django_capture_on_commit_callbacks
):
    mailers.refuse("451 4.3.0 Try again later")
    with django_capture_on_commit_callbacks(execute=True):
        submit_report(client, kongsvinger_category, 1)
    for _hour in range(24 * 5):
        clock.advance(hours=1)
        sending.send_due()
    email = Email.objects.get()
    assert email.state == EmailState.FAILED
    assert email.last_attempt - email.created > datetime.timedelta(days=3)


def test_a_row_is_sent_by_one_sender_only(client, kongsvinger_category):
    submit_report(client, kongsvinger_category, 1)
    email = Email.objects.get()
    now = timezone.now()
    assert sending.claim(email.pk, now) is not None
    assert sending.claim(email.pk, now) is None, "claimed already"


def test_the_sweep_does_not_send_again_what_the_task_sent(
    client, kongsvinger_category, mailers, clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit_report(client, kongsvinger_category, 1)
    clock.advance(hours=1)
    assert sending.send_due() == 0
    assert len(mailers.messages) == 1


def test_a_batch_goes_over_one_connection(client, kongsvinger_category, mailers):
    for number in range(1, 4):
        submit_report(client, kongsvinger_category, number)
    assert sending.send_due() == 3
    assert len(mailers.messages) == 3
    assert mailers.inbox.sessions == 1


def test_a_mail_server_that_is_down_stops_the_batch_at_the_first_try(
    client, kongsvinger_category, mailers
):
    for number in range(1, 4):
        submit_report(client, kongsvinger_category, number)
    mailers.stop()
    assert sending.send_due() == 0
    attempts = sorted(Email.objects.values_list("attempts", flat=True))
    assert attempts == [0, 0, 1]
    assert Email.objects.filter(state=EmailState.PENDING).count() == 3


def test_one_refused_address_does_not_hold_up_the_others(client, kongsvinger_category, mailers):
    for number in range(1, 4):
        submit_report(client, kongsvinger_category, number)
    mailers.inbox.refused_addresses = {"person2@example.org": "550 No such user"}
    assert sending.send_due() == 2
    assert Email.objects.get(to="person2@example.org").state == EmailState.FAILED


def test_sent_emails_are_forgotten_after_the_days_kept(
    client, kongsvinger_category, mailers, clock, settings
):
    settings.MAIL_KEEP_DAYS = 30
    submit_report(client, kongsvinger_category, 1)
    sending.send_due()
    submit_report(client, kongsvinger_category, 2)

    clock.advance(days=29)
    assert sending.forget_old() == 0
    clock.advance(days=2)
    assert sending.forget_old() == 1
    assert list(Email.objects.values_list("to", flat=True)) == ["person2@example.org"]


def test_the_worker_runs_the_sweep(client, kongsvinger_category, mailers, capsys):
    from django.core.management import call_command

    submit_report(client, kongsvinger_category, 1)
    call_command("worker", "--once")
    assert len(mailers.to("person1@example.org")) == 1
    assert "e-mails due: 1 e-mails sent" in capsys.readouterr().out
