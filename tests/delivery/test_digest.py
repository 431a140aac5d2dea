"""The daily digest of failed and stuck deliveries: who gets it, what it says, and that the
worker sends it once a day."""

import datetime

import pytest
from django.core import mail
from django.db import DatabaseError
from django.utils import timezone

from tests.reports.conftest import report_in_kongsvinger
from torget.delivery import digest
from torget.delivery.models import Contact, Delivery, DeliveryState, SendMethod
from torget.mail.sending import send_due
from torget.reports import actions
from torget.reports.models import Category
from torget.site.management.commands import worker

pytestmark = pytest.mark.django_db

REJECTED = "550 5.1.1 <postmottak@kongsvinger.example>: Recipient address rejected"


@pytest.fixture
def kongsvinger_contact(kongsvinger_category):
    return Contact.objects.create(
        category=kongsvinger_category,
        send_method=SendMethod.EMAIL,
        email="postmottak@kongsvinger.example",
    )


@pytest.fixture
def make_delivery(citizen, kongsvinger_contact):
    """A confirmed report of Kari's and its delivery to Kongsvinger, not yet tried."""

    def make(title: str = "Gatelyset er mørkt") -> Delivery:
        reporter = actions.Reporter(user=citizen, email=citizen.email)
        report = report_in_kongsvinger(reporter, kongsvinger_contact.category, title=title)
        return Delivery.objects.get(report=report)

    return make


def sent_mail() -> list:
    """What the outbox has sent: the digest is recorded there, and leaves once committed."""
    send_due()
    return mail.outbox


def fail_for_good(delivery: Delivery, error: str = REJECTED) -> Delivery:
    assert delivery.claim()
    delivery.mark_failed_attempt(error, permanent=True)
    return delivery


def age(delivery: Delivery, hours: float) -> Delivery:
    delivery.created = timezone.now() - datetime.timedelta(hours=hours)
    delivery.save(update_fields=["created"])
    return delivery


@pytest.fixture
def digest_to(settings):
    settings.DIGEST_EMAILS = ["drift@torget.example"]
    settings.LANGUAGE_CODE = "en"
    return settings.DIGEST_EMAILS


def test_a_failed_delivery_is_in_the_digest_with_its_error_and_admin_link(make_delivery, digest_to):
    delivery = fail_for_good(make_delivery())

    assert digest.send_daily_digest() == 1

    [message] = sent_mail()
    assert message.to == digest_to
    assert "1 report has not reached its body" in message.subject
    assert "Kongsvinger kommune" in message.body
    assert f"Report {delivery.report_id}: Gatelyset er mørkt" in message.body
    assert REJECTED in message.body
    assert f"/admin/delivery/delivery/{delivery.pk}/change/" in message.body
    html = message.alternatives[0].content
    assert f"/admin/delivery/delivery/{delivery.pk}/change/" in html


def test_a_delivery_unsent_a_day_after_confirmation_is_in_the_digest(make_delivery, digest_to):
    age(make_delivery(), hours=25)

    assert digest.send_daily_digest() == 1

    [message] = sent_mail()
    assert "Not sent after a day" in message.body
    assert "is `torget worker` running?" in message.body


def test_deliveries_on_their_way_send_no_digest(make_delivery, digest_to):
    age(make_delivery("Retried for an hour"), hours=1)
    sent = age(make_delivery("Sent long ago"), hours=48)
    sent.mark_sent()

    assert digest.send_daily_digest() == 0
    assert sent_mail() == []


def test_the_digest_groups_deliveries_by_body(make_delivery, digest_to, eidskog_body, citizen):
    eidskog_category = Category.objects.create(body=eidskog_body, slug="veg", name_nb="Veg")
    Contact.objects.create(category=eidskog_category, email="post@eidskog.example")
    reporter = actions.Reporter(user=citizen, email=citizen.email)
    eidskog_report = report_in_kongsvinger(reporter, eidskog_category, title="Hol i vegen")
    fail_for_good(Delivery.objects.get(report=eidskog_report), "400 unknown service code")
    fail_for_good(make_delivery())

    digest.send_daily_digest()

    body = sent_mail()[0].body
    assert body.index("== Eidskog kommune ==") < body.index("Hol i vegen")
    assert body.index("== Kongsvinger kommune ==") < body.index("Gatelyset er mørkt")


def test_the_digest_goes_to_the_superusers_when_no_addresses_are_set(
    make_delivery, settings, admin_user, django_user_model
):
    settings.DIGEST_EMAILS = []
    django_user_model.objects.create_user("staff@example.org", "pw 123 456", is_staff=True)
    fail_for_good(make_delivery())

    digest.send_daily_digest()

    assert [message.to for message in sent_mail()] == [[admin_user.email]]


def test_the_digest_says_how_many_it_left_out(make_delivery, digest_to, monkeypatch):
    monkeypatch.setattr(digest, "MOST_LISTED", 2)
    for n in range(3):
        fail_for_good(make_delivery(f"Report {n}"))

    digest.send_daily_digest()

    assert "1 more is not listed here." in sent_mail()[0].body


def test_the_digest_links_to_the_admins_lists_of_failed_and_unsent_deliveries(
    make_delivery, digest_to, admin_client
):
    failed = fail_for_good(make_delivery("Failed"))
    unsent = age(make_delivery("Unsent"), hours=30)
    age(make_delivery("Recent"), hours=1)

    found = digest.build_digest()

    en = {"accept-language": "en"}
    failed_page = admin_client.get(found.failed_url.removeprefix("http://testserver"), headers=en)
    unsent_page = admin_client.get(found.unsent_url.removeprefix("http://testserver"), headers=en)
    assert list(failed_page.context["cl"].result_list) == [failed]
    assert list(unsent_page.context["cl"].result_list) == [unsent]


def digest_job() -> worker.Job:
    [job] = [job for job in worker.jobs(datetime.timedelta(minutes=10)) if "digest" in job.name]
    return job


def a_worker() -> worker.Loop:
    return worker.Loop(
        command=worker.Command(), jobs=[digest_job()], queue_names=["*"], interval=0, verbosity=0
    )


def at(day: int, hour: int) -> datetime.datetime:
    return datetime.datetime(2025, 3, day, hour, 30, tzinfo=timezone.get_current_timezone())


def test_the_worker_sends_the_digest_once_a_day_from_seven(make_delivery, digest_to):
    fail_for_good(make_delivery())
    loop = a_worker()

    for moment in (at(3, 6), at(3, 7), at(3, 8), at(3, 23), at(4, 6), at(4, 7)):
        loop.run_if_due(digest_job(), moment)

    assert len(sent_mail()) == 2


def test_two_workers_sharing_a_cache_send_one_digest(make_delivery, digest_to):
    fail_for_good(make_delivery())
    first, second = a_worker(), a_worker()

    first.run_if_due(digest_job(), at(3, 7))
    second.run_if_due(digest_job(), at(3, 8))

    assert len(sent_mail()) == 1


def test_a_digest_that_could_not_be_sent_is_tried_again_later(
    make_delivery, digest_to, monkeypatch
):
    fail_for_good(make_delivery())
    loop = a_worker()
    real_record = digest.record

    def database_gone(*args, **kwargs):
        raise DatabaseError("the database went away")

    monkeypatch.setattr(digest, "record", database_gone)
    loop.run_if_due(digest_job(), at(3, 7))
    monkeypatch.setattr(digest, "record", real_record)
    loop.run_if_due(digest_job(), at(3, 7) + datetime.timedelta(minutes=1))
    loop.run_if_due(digest_job(), at(3, 7) + worker.RETRY_FAILED_JOB)

    assert len(sent_mail()) == 1
    assert Delivery.objects.get().state == DeliveryState.FAILED
