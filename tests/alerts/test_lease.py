"""One alert run at a time: the lease on the sent log (AlertLease)."""

import threading

import pytest
from django.core import mail
from django.db import connection

from tests.alerts.conftest import ago
from tests.conftest import KONGSVINGER_CENTRE
from torget.alerts import notify, sending
from torget.alerts.models import AlertLease, AlertRun, SentDigest, SubscriptionKind
from torget.alerts.sending import SendFailed, send_due_alerts
from torget.reports.models import Update

LAT, LON = KONGSVINGER_CENTRE


@pytest.mark.django_db
def test_a_run_stops_at_once_while_another_holds_the_lease(
    follow, report_at, kongsvinger_category, kongsvinger_area, other_citizen
):
    follow(other_citizen, SubscriptionKind.AREA, area=kongsvinger_area)
    report_at(kongsvinger_category, LAT, LON)
    assert AlertLease.take("run:elsewhere")

    assert send_due_alerts() == 0
    assert mail.outbox == []
    assert not AlertRun.objects.exists()
    assert not SentDigest.objects.exists()

    AlertLease.release("run:elsewhere")
    assert send_due_alerts() == 1


@pytest.mark.django_db
def test_a_lease_its_holder_let_expire_is_taken_over(
    follow, report_at, kongsvinger_category, kongsvinger_area, other_citizen
):
    """A worker that died mid-run blocks the job for LEASE_FOR at most."""
    follow(other_citizen, SubscriptionKind.AREA, area=kongsvinger_area)
    report_at(kongsvinger_category, LAT, LON)
    assert AlertLease.take("run:died")
    AlertLease.objects.update(expires=ago(minutes=1))

    assert send_due_alerts() == 1
    assert not AlertLease.renew("run:died")
    assert AlertLease.objects.get().holder == ""


@pytest.mark.django_db
def test_a_run_that_lost_its_lease_sends_no_further_batch(
    monkeypatch,
    follow,
    report_at,
    kongsvinger_category,
    kongsvinger_area,
    citizen,
    other_citizen,
    third_citizen,
):
    """After a stall longer than LEASE_FOR another run may have begun; the stalled run logs
    and sends nothing more, so nobody hears of an item from both."""
    for person in (other_citizen, third_citizen):
        follow(person, SubscriptionKind.AREA, area=kongsvinger_area)
    report_at(kongsvinger_category, LAT, LON)
    monkeypatch.setattr(sending, "BATCH", 1)
    real_send_batch = sending.send_batch

    def send_then_lose_the_lease(*args, **kwargs):
        outcome = real_send_batch(*args, **kwargs)
        AlertLease.objects.update(holder="run:another", expires=ago(minutes=-5))
        return outcome

    monkeypatch.setattr(sending, "send_batch", send_then_lose_the_lease)

    with pytest.raises(SendFailed, match="lease"):
        send_due_alerts()

    assert len(mail.outbox) == 1
    assert SentDigest.objects.count() == 1
    assert AlertLease.objects.get().holder == "run:another"


@pytest.mark.django_db
def test_the_notice_of_a_bodys_answer_waits_for_a_run_under_way(
    public_report, citizen, kongsvinger_body
):
    """While a run holds the lease, the answer is left to it or the next run, which tells
    the reporter once."""
    update = Update.objects.create(
        report=public_report, body=kongsvinger_body, author=None, text="Vi fikser det."
    )
    assert AlertLease.take("run:busy")

    assert notify.notify_reporter.call(update.pk) == "left for the alert run"
    assert mail.outbox == []

    AlertLease.release("run:busy")
    assert send_due_alerts() == 1
    assert "Vi fikser det." in mail.outbox[0].body
    assert notify.notify_reporter.call(update.pk) == "told already"
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_two_runs_started_together_mail_each_person_once(
    follow, report_at, kongsvinger_category, kongsvinger_area, other_citizen, third_citizen
):
    """Two workers without a shared cache start the job at the same moment, each in its own
    database connection."""
    for person in (other_citizen, third_citizen):
        follow(person, SubscriptionKind.AREA, area=kongsvinger_area)
    report_at(kongsvinger_category, LAT, LON)
    start = threading.Barrier(2)
    results: list[int | BaseException] = []

    def run() -> None:
        try:
            start.wait(timeout=10)
            results.append(send_due_alerts())
        except BaseException as error:
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    errors = [result for result in results if isinstance(result, BaseException)]
    if errors:
        # The test database is SQLite in memory with a shared cache, where a write that
        # meets another's table lock fails at once instead of waiting: the run fails, and
        # the worker tries again later, after the lease has run out at the latest.
        assert connection.vendor == "sqlite"
        assert all("locked" in str(error) for error in errors), errors
        AlertLease.objects.update(expires=ago(minutes=1))
        send_due_alerts()
    else:
        assert sorted(results, key=str) == [0, 2]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [other_citizen.email, third_citizen.email]
    )
