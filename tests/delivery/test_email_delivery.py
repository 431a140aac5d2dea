"""E-mail to a body: what the message holds, and that the body hears of citizens' updates, all
through a real SMTP server."""

import datetime

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.delivery.conftest import BODY_ADDRESS
from tests.reports.test_images import gps_jpeg
from torget.delivery import actions as delivery_actions
from torget.delivery.inbound import read_reply_address
from torget.delivery.models import Delivery, DeliveryState
from torget.lib.images import CheckedUpload, check_upload
from torget.reports import actions
from torget.reports.models import Question, Report

pytestmark = pytest.mark.django_db


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content().replace("\r\n", "\n")


def a_photo(name: str) -> CheckedUpload:
    return check_upload(SimpleUploadedFile(f"{name}.jpg", gps_jpeg(40, 20)))


def test_a_confirmed_report_is_emailed_to_the_body_once(mailers, report_pothole):
    report = report_pothole()

    delivery = Delivery.objects.get(report=report)
    assert delivery.state == DeliveryState.SENT
    assert delivery.attempts == 1
    [message] = mailers.messages
    assert str(message["To"]) == BODY_ADDRESS
    assert str(message["From"]) == settings.DEFAULT_FROM_EMAIL
    assert message["X-Torget-Report"] == str(report.pk)
    assert message["Message-ID"] == delivery.message_id
    assert delivery.message_id.endswith(f"@{settings.REPLY_EMAIL_DOMAIN}>")
    assert message["Auto-Submitted"] is None


def test_the_report_keeps_when_it_first_reached_its_body(mailers, report_pothole):
    """The questionnaire counts four weeks from it (alerts/questionnaire.py)."""
    report = report_pothole()

    report.refresh_from_db()
    delivery = Delivery.objects.get(report=report)
    assert report.delivered is not None
    assert report.confirmed <= report.delivered <= delivery.sent_at

    first = report.delivered
    delivery.resend()
    delivery_actions.send(delivery.pk)
    report.refresh_from_db()
    assert report.delivered == first


def test_a_report_not_yet_through_has_no_delivery_time(mailers, report_pothole):
    mailers.refuse("451 4.3.0 Try again later")
    report = report_pothole()

    assert Delivery.objects.get(report=report).state == DeliveryState.RETRYING
    report.refresh_from_db()
    assert report.delivered is None


def test_the_email_lists_the_answers_to_the_categorys_questions_in_the_contacts_language(
    mailers, report_pothole, pothole_category
):
    Question.objects.create(
        category=pothole_category, code="depth", label="Hvor dypt?", label_nn="Kor djupt?",
        datatype="singlevaluelist", order=1,
        values=[{"key": "deep", "name": "Dypt", "name_nn": "Djupt"}],
    )  # fmt: skip
    Question.objects.create(
        category=pothole_category, code="lane", label="Hvilket felt?", order=2,
    )  # fmt: skip

    report_pothole(answers={"depth": "deep", "lane": "Nordgående"})

    text = text_of(mailers.messages[0])
    assert "Kor djupt? Djupt\nHvilket felt? Nordgående\n" in text
    assert '<th scope="row" align="left">Kor djupt?</th><td>Djupt</td>' in html_of(
        mailers.messages[0]
    )


def test_the_reply_to_address_belongs_to_the_report_and_the_body(
    mailers, report_pothole, kongsvinger_body
):
    report = report_pothole()

    reply_to = str(mailers.messages[0]["Reply-To"])
    assert reply_to.startswith("reply+")
    assert reply_to.endswith(f"@{settings.REPLY_EMAIL_DOMAIN}")
    assert read_reply_address(reply_to) == (report.pk, kongsvinger_body.pk)


def test_the_email_is_in_the_contacts_language(mailers, report_pothole):
    report_pothole()

    text = text_of(mailers.messages[0])
    assert "Hol i vegen" in text
    assert "Hull i veien" not in text
    assert '<html lang="nn">' in html_of(mailers.messages[0])


def test_the_email_has_what_the_body_needs_to_act_and_answer(mailers, report_pothole, kari):
    report = report_pothole()

    text = text_of(mailers.messages[0])
    assert report.title in text
    assert "Holet ved busstoppet er 20 cm djupt.\nBilar svingar unna." in text
    assert "60.190500, 11.997700" in text
    assert "Rådhusplassen 1, Kongsvinger" in text
    map_url = (
        "https://www.openstreetmap.org/?mlat=60.190500&mlon=11.997700#map=18/60.190500/11.997700"
    )
    assert map_url in text
    assert kari.name in text
    assert kari.email in text
    assert kari.phone in text
    assert f"{settings.BASE_URL}/report/{report.pk}" in text


def test_the_html_part_has_the_same_links(mailers, report_pothole, kari):
    report = report_pothole()

    html = html_of(mailers.messages[0])
    assert "https://www.openstreetmap.org/?mlat=60.190500&amp;mlon=11.997700" in html
    assert f'href="{settings.BASE_URL}/report/{report.pk}"' in html
    assert f"mailto:{kari.email}" in html


def test_the_email_links_to_the_photos_by_full_address(mailers, report_pothole):
    report = report_pothole(photos=[a_photo("first"), a_photo("second")])

    text = text_of(mailers.messages[0])
    for photo in report.photos.all():
        assert f"{settings.BASE_URL}{photo.image.url}" in text
    assert report.photos.count() == 2


def test_a_title_with_a_line_break_cannot_break_the_subject(mailers, report_pothole):
    report_pothole(title="Hol\r\nBcc: someone@example.org")

    [message] = mailers.messages
    assert "Hol Bcc: someone@example.org" in str(message["Subject"])
    assert message["Bcc"] is None


def test_a_contact_without_an_email_address_fails_for_good(mailers, report_pothole, email_contact):
    email_contact.email = ""
    email_contact.save(update_fields=["email"])

    report = report_pothole()

    delivery = Delivery.objects.get(report=report)
    assert delivery.state == DeliveryState.FAILED
    assert "no e-mail address" in delivery.last_error
    assert mailers.messages == []


def test_a_retry_sends_the_message_id_chosen_for_the_first_attempt(mailers, report_pothole):
    mailers.refuse("451 4.3.0 Try again later")
    report = report_pothole()
    delivery = Delivery.objects.get(report=report)
    assert delivery.state == DeliveryState.RETRYING
    first_message_id = delivery.message_id
    assert first_message_id

    mailers.refuse("")
    delivery.resend()
    delivery_actions.send(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT
    assert delivery.message_id == first_message_id
    assert [m["Message-ID"] for m in mailers.messages] == [first_message_id]


def test_a_worker_that_dies_after_sending_sends_the_same_message_id_again(
    mailers, report_pothole, email_contact, monkeypatch
):
    """The window that remains: the server has the message, the worker died before recording
    it. The second copy carries the same Message-ID, so the receiving side can drop it."""

    def die(self, external_id=""):
        raise SystemExit("killed")

    monkeypatch.setattr(Delivery, "mark_sent", die)
    report_pothole()
    monkeypatch.undo()
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.SENDING

    # The dead worker's claim runs out; the sweep takes the delivery again.
    past = timezone.now() - datetime.timedelta(seconds=1)
    Delivery.objects.filter(pk=delivery.pk).update(claimed_until=past)
    assert delivery_actions.queue_due_deliveries() == 1

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT
    message_ids = [m["Message-ID"] for m in mailers.messages]
    assert message_ids == [delivery.message_id, delivery.message_id]


def add_update(report: Report, author, text: str, capture, **options):
    with capture(execute=True):
        return actions.add_update(report=report, author=author, text=text, photos=[], **options)


def test_a_citizens_update_is_emailed_to_the_body_in_the_reports_thread(
    mailers, report_pothole, kari, django_capture_on_commit_callbacks
):
    report = report_pothole()
    first = mailers.messages[0]

    add_update(report, kari, "Nå er holet enda større.", django_capture_on_commit_callbacks)

    [_, message] = mailers.messages
    assert str(message["To"]) == BODY_ADDRESS
    assert message["In-Reply-To"] == first["Message-ID"]
    assert message["References"] == first["Message-ID"]
    assert str(message["Reply-To"]) == str(first["Reply-To"])
    assert message["X-Torget-Report"] == str(report.pk)
    assert message["Message-ID"] != first["Message-ID"]
    assert "Nå er holet enda større." in text_of(message)
    assert f"{settings.BASE_URL}/report/{report.pk}" in text_of(message)


def test_reopening_a_report_tells_the_body(
    mailers, report_pothole, kari, django_capture_on_commit_callbacks
):
    report = report_pothole()
    report.mark_fixed()

    with django_capture_on_commit_callbacks(execute=True):
        actions.reopen_report(report=report, by=kari, reason="Holet er tilbake etter regnet.")

    [_, message] = mailers.messages
    assert "Holet er tilbake etter regnet." in text_of(message)
    assert message["In-Reply-To"] == Delivery.objects.get(report=report).message_id


def test_a_body_that_takes_no_updates_is_not_emailed_them(
    mailers, report_pothole, kari, email_contact, django_capture_on_commit_callbacks
):
    report = report_pothole()
    email_contact.accepts_updates = False
    email_contact.save(update_fields=["accepts_updates"])

    add_update(report, kari, "Nå er holet enda større.", django_capture_on_commit_callbacks)

    assert len(mailers.messages) == 1
