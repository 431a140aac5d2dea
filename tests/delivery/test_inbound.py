"""A body's e-mailed reply becomes an update on the report, with the body's badge, and the
reporter is told: through `torget inbound-email` (an MTA pipe) and through the webhook."""

import io
import os
import subprocess
import sys
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import DataError, OperationalError
from django.urls import reverse

from tests.delivery.conftest import BODY_ADDRESS
from torget.alerts import notify
from torget.alerts.models import Subscription
from torget.delivery import inbound
from torget.delivery.inbound import reply_address, trim_reply
from torget.reports.models import HeldReply, HeldReplyState, Update

ROOT = Path(__file__).resolve().parents[2]
SECRET = "inbound-secret-for-tests"
SARA = "Sara Saksbehandler <sara@kongsvinger.example>"
QUOTED = "> Til Kongsvinger kommune,\n>\n> Ein innbyggjar har meldt eit problem.\n"

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.delivery.urls")]


def reply(to: str, text: str, *, html: str = "", **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = SARA
    message["To"] = to
    message["Subject"] = "Re: Ny sak"
    message["Message-ID"] = make_msgid(domain="kongsvinger.example")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    if text:
        message.set_content(text)
        if html:
            message.add_alternative(html, subtype="html")
    else:
        message.set_content(html, subtype="html")
    return bytes(message)


@pytest.fixture
def sent_report(report_pothole):
    """Kari's report, e-mailed to Kongsvinger (into Django's test outbox)."""
    report = report_pothole()
    mail.outbox.clear()
    return report


@pytest.fixture
def address(sent_report, kongsvinger_body):
    return reply_address(sent_report.pk, kongsvinger_body.pk)


@pytest.fixture
def receive(django_capture_on_commit_callbacks):
    """receive_reply, with the reporter's notice run as on commit."""

    def run(raw: bytes, **options: str) -> Update | HeldReply:
        with django_capture_on_commit_callbacks(execute=True):
            return inbound.receive_reply(raw, **options)

    return run


# Trimming quoted text and signatures, as mail programs write them.

NORWEGIAN_GMAIL = (
    "Takk for meldinga. Vi fyller holet på torsdag.\n\n"
    "Med venleg helsing\nSara Saksbehandler\nKongsvinger kommune\n\n"
    "tor. 6. mar. 2025 kl. 10:12 skrev Torget <torget@localhost>:\n" + QUOTED
)
ENGLISH_GMAIL_WRAPPED = (
    "We will fill the hole on Thursday.\n\n"
    "On Thu, 6 Mar 2025 at 10:12, Torget <\ntorget@localhost> wrote:\n\n" + QUOTED
)
THUNDERBIRD = "Vi fyller holet på torsdag.\n\nDen 06.03.2025 10:12, skrev Torget:\n" + QUOTED
OUTLOOK_NORWEGIAN = (
    "Vi fyller holet på torsdag.\n\n"
    "________________________________\n"
    "Fra: Torget <torget@localhost>\nSendt: torsdag 6. mars 2025 10:12\n"
    "Til: Postmottak <postmottak@kongsvinger.example>\nEmne: Ny sak 12: Hol i vegen\n\n"
    "Til Kongsvinger kommune,\n"
)
OUTLOOK_HEADERS_ONLY = (
    "We will fill the hole on Thursday.\n\n"
    "From: Torget <torget@localhost>\nSent: Thursday, March 6, 2025 10:12 AM\n"
    "To: Postmottak\nSubject: New report 12\n\nTo Kongsvinger kommune,\n"
)
ORIGINAL_MESSAGE = (
    "Vi fyller holet på torsdag.\n\n-----Original Message-----\nFrom: Torget\nTil Kongsvinger\n"
)
DASHES_SIGNATURE = "Vi fyller holet på torsdag.\n\n-- \nSara Saksbehandler\nTlf. 62 88 50 00\n"
MVH = "Vi fyller holet på torsdag.\nMvh\nSara\n"
VENNLIG_HILSEN = "Vi fyller holet på torsdag.\n\nMed vennlig hilsen\nSara\n"
PHONE = "Vi fyller holet på torsdag.\n\nSendt fra min iPhone\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (NORWEGIAN_GMAIL, "Takk for meldinga. Vi fyller holet på torsdag."),
        (ENGLISH_GMAIL_WRAPPED, "We will fill the hole on Thursday."),
        (THUNDERBIRD, "Vi fyller holet på torsdag."),
        (OUTLOOK_NORWEGIAN, "Vi fyller holet på torsdag."),
        (OUTLOOK_HEADERS_ONLY, "We will fill the hole on Thursday."),
        (ORIGINAL_MESSAGE, "Vi fyller holet på torsdag."),
        (DASHES_SIGNATURE, "Vi fyller holet på torsdag."),
        (MVH, "Vi fyller holet på torsdag."),
        (VENNLIG_HILSEN, "Vi fyller holet på torsdag."),
        (PHONE, "Vi fyller holet på torsdag."),
    ],
    ids=[
        "gmail-nb",
        "gmail-en-wrapped",
        "thunderbird",
        "outlook-nb",
        "outlook-en",
        "original-message",
        "dashes",
        "mvh",
        "vennlig-hilsen",
        "phone",
    ],
)
def test_quoted_text_and_signatures_are_trimmed(text, expected):
    assert trim_reply(text) == expected


def test_answers_between_quoted_lines_are_kept():
    text = "> Er holet farleg?\nJa, vi har sett opp skilt.\n> Når blir det fiksa?\nPå torsdag.\n"

    assert trim_reply(text) == "Ja, vi har sett opp skilt.\nPå torsdag."


def test_a_reply_that_mentions_writing_is_kept_whole():
    text = "Entreprenøren skrev at de kommer på mandag.\n\nFrom now on we check it weekly.\n"

    assert trim_reply(text) == text.strip()


# From e-mail to update.


def test_a_reply_becomes_an_update_with_the_bodys_badge(
    sent_report, address, receive, kongsvinger_body
):
    update = receive(reply(address, NORWEGIAN_GMAIL))

    assert update.report == sent_report
    assert update.body == kongsvinger_body
    assert update.author is None
    assert update.text == "Takk for meldinga. Vi fyller holet på torsdag."
    sent_report.refresh_from_db()
    assert sent_report.answered == update.created


def test_the_reporter_is_told_of_the_bodys_reply(sent_report, address, receive, kari):
    receive(reply(address, NORWEGIAN_GMAIL))

    [notice] = mail.outbox
    assert notice.to == [kari.email]
    assert "Kongsvinger kommune" in notice.subject
    assert "Vi fyller holet på torsdag." in notice.body
    assert f"/report/{sent_report.pk}" in notice.body


def test_the_reporter_is_told_in_their_own_language(sent_report, address, receive, kari):
    kari.language = "en"
    kari.save(update_fields=["language"])

    receive(reply(address, NORWEGIAN_GMAIL))

    [notice] = mail.outbox
    [(html, _type)] = notice.alternatives
    assert '<html lang="en">' in html


def test_the_reporter_who_stopped_following_the_report_is_not_told(
    sent_report, address, receive, kari
):
    Subscription.objects.filter(user=kari, report=sent_report).update(active=False)

    receive(reply(address, NORWEGIAN_GMAIL))

    assert Update.objects.filter(report=sent_report).count() == 1
    assert mail.outbox == []


def test_the_reporter_is_not_told_of_their_own_update(sent_report, kari):
    update = Update.objects.create(report=sent_report, author=kari, text="Det er verre no.")

    assert notify.notify_reporter.call(update.pk) == "written by the reporter"
    assert mail.outbox == []


def test_an_html_only_reply_is_read_as_text(sent_report, address, receive):
    html = (
        "<div dir='ltr'>Vi fyller holet <b>på torsdag</b>.<br><br>Med venleg helsing<br>Sara"
        "</div><div class='gmail_quote'><div>tor. 6. mar. 2025 kl. 10:12 skrev Torget "
        "&lt;torget@localhost&gt;:<br></div><blockquote>Til Kongsvinger kommune</blockquote>"
        "</div>"
    )

    update = receive(reply(address, "", html=html))

    assert update.text == "Vi fyller holet på torsdag."


def test_the_plain_text_part_is_preferred_to_the_html(sent_report, address, receive):
    update = receive(reply(address, "Vi fyller holet.", html="<p>Annan tekst</p>"))

    assert update.text == "Vi fyller holet."


def test_the_same_reply_twice_is_recorded_once(sent_report, address, receive):
    raw = reply(address, NORWEGIAN_GMAIL)

    first = receive(raw)
    second = receive(raw)

    assert first == second
    assert Update.objects.filter(report=sent_report).count() == 1
    assert len(mail.outbox) == 1


def test_the_reply_address_may_be_only_in_delivered_to(sent_report, address, receive):
    raw = reply(BODY_ADDRESS, "Vi fyller holet.", Delivered_To=address)

    assert receive(raw).report == sent_report


def test_the_reply_address_is_read_whatever_its_case(sent_report, address, receive):
    assert receive(reply(address.upper(), "Vi fyller holet.")).report == sent_report


def test_an_out_of_office_reply_is_dropped(sent_report, address, receive):
    raw = reply(address, "Eg er på ferie til 1. august.", Auto_Submitted="auto-replied")

    with pytest.raises(inbound.Ignored):
        receive(raw)
    assert not Update.objects.exists()
    assert mail.outbox == []


def test_a_reply_address_with_a_wrong_code_is_unknown(sent_report, address, receive):
    at = address.index("@")
    forged = address[: at - 1] + ("1" if address[at - 1] == "0" else "0") + address[at:]

    with pytest.raises(inbound.UnknownAddress):
        receive(reply(forged, "Vi fyller holet."))
    assert not Update.objects.exists()


def test_a_reply_to_a_body_the_report_was_not_sent_to_is_unknown(
    sent_report, receive, eidskog_body
):
    other = reply_address(sent_report.pk, eidskog_body.pk)

    with pytest.raises(inbound.UnknownAddress):
        receive(reply(other, "Vi fyller holet."))
    assert not Update.objects.exists()


def test_an_email_without_a_reply_address_is_unknown(sent_report, receive):
    with pytest.raises(inbound.UnknownAddress):
        receive(reply(BODY_ADDRESS, "Vi fyller holet."))


def test_bytes_that_are_no_email_are_refused(sent_report, receive):
    with pytest.raises(inbound.BadMessage):
        receive(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\xff\xfe garbage")
    assert not Update.objects.exists()


def test_a_reply_of_nothing_but_quoted_text_is_refused(sent_report, address, receive):
    with pytest.raises(inbound.BadMessage):
        receive(reply(address, "\nMvh\nSara\n\n" + QUOTED))
    assert not Update.objects.exists()


# `torget inbound-email`, for an MTA pipe.


def inbound_email(raw: bytes, *args: str) -> str:
    out = io.StringIO()
    call_command("inbound_email", *args, stdin=io.BytesIO(raw), stdout=out)
    return out.getvalue()


def exit_status(raw: bytes, *args: str) -> tuple[int, str]:
    with pytest.raises(CommandError) as error:
        inbound_email(raw, *args)
    return error.value.returncode, str(error.value)


def test_inbound_email_takes_a_reply_on_standard_input(
    sent_report, address, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        output = inbound_email(reply(address, NORWEGIAN_GMAIL))

    update = Update.objects.get()
    assert f"Update {update.pk} on report {sent_report.pk}" in output
    assert len(mail.outbox) == 1


def test_inbound_email_takes_the_envelope_recipient_from_the_mta(sent_report, address):
    inbound_email(reply(BODY_ADDRESS, "Vi fyller holet."), "--recipient", address)

    assert Update.objects.get().report == sent_report


def test_inbound_email_exits_67_for_an_unknown_address(sent_report):
    status, message = exit_status(reply(BODY_ADDRESS, "Vi fyller holet."))

    assert status == 67
    assert "No report has this reply address" in message


def test_inbound_email_exits_65_for_bytes_that_are_no_email(sent_report):
    status, message = exit_status(b"\x00\xff\xfe not an e-mail")

    assert status == 65
    assert "not an e-mail" in message


def test_inbound_email_exits_75_when_the_database_fails(sent_report, address, monkeypatch):
    """EX_TEMPFAIL: the MTA keeps the reply and tries again later."""

    def locked(raw, **options):
        raise OperationalError("database is locked")

    monkeypatch.setattr(inbound, "receive_reply", locked)

    status, message = exit_status(reply(address, "Vi fyller holet."))

    assert status == 75
    assert "database is locked" in message
    assert not Update.objects.exists()


def test_a_nul_in_a_reply_is_dropped_and_the_reply_kept(sent_report, address):
    """PostgreSQL cannot store a NUL; before, the reply failed there with 75, so the MTA
    retried it for days and then bounced it."""
    inbound_email(reply(address, "Vi fyller\x00 holet på torsdag."))

    assert Update.objects.get().text == "Vi fyller holet på torsdag."


def test_inbound_email_exits_65_when_the_database_refuses_the_content(
    sent_report, address, monkeypatch
):
    """EX_DATAERR, not EX_TEMPFAIL: the same message would be refused on every try."""

    def refused(raw, **options):
        raise DataError("value too long for type character varying(200)")

    monkeypatch.setattr(inbound, "receive_reply", refused)

    status, message = exit_status(reply(address, "Vi fyller holet."))

    assert status == 65
    assert "value too long" in message


def test_inbound_email_accepts_and_drops_an_automatic_reply(sent_report, address):
    output = inbound_email(reply(address, "Eg er på ferie.", Auto_Submitted="auto-replied"))

    assert "dropped" in output
    assert not Update.objects.exists()


@pytest.mark.parametrize(
    ("raw", "status"),
    [(b"\x00\xff\xfe not an e-mail", 65), (reply(BODY_ADDRESS, "Vi fyller holet."), 67)],
    ids=["garbage", "no-reply-address"],
)
def test_the_torget_command_gives_the_mta_the_exit_status_and_a_reason(raw, status):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}

    result = subprocess.run(
        [sys.executable, "-m", "torget", "inbound-email"],
        input=raw,
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )

    assert result.returncode == status
    assert b"CommandError" in result.stderr


# The webhook, for mail providers that post what they receive.


@pytest.fixture
def webhook_on(settings):
    settings.INBOUND_EMAIL_SECRET = SECRET


def post_message(client, raw: bytes, secret: str = SECRET):
    return client.post(
        reverse("delivery:inbound_email"),
        raw,
        content_type="message/rfc822",
        headers={"authorization": f"Bearer {secret}"},
    )


def test_the_webhook_turns_a_posted_reply_into_an_update(
    client, webhook_on, sent_report, address, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_message(client, reply(address, NORWEGIAN_GMAIL))

    assert response.status_code == 200
    update = Update.objects.get()
    assert response.json() == {"update": update.pk, "report": sent_report.pk}
    assert update.text == "Takk for meldinga. Vi fyller holet på torsdag."
    assert len(mail.outbox) == 1


def test_the_webhook_takes_the_message_as_a_form_field(client, webhook_on, sent_report, address):
    raw = reply(address, "Vi fyller holet.")

    response = client.post(
        reverse("delivery:inbound_email"),
        {"message": raw.decode()},
        headers={"authorization": f"Bearer {SECRET}"},
    )

    assert response.status_code == 200
    assert Update.objects.get().text == "Vi fyller holet."


def test_the_webhook_drops_a_nul_in_a_message_posted_as_a_form_field(
    client, webhook_on, sent_report, address
):
    raw = reply(address, "Vi fyller\x00 holet.")

    response = client.post(
        reverse("delivery:inbound_email"),
        {"message": raw.decode()},
        headers={"authorization": f"Bearer {SECRET}"},
    )

    assert response.status_code == 200
    assert Update.objects.get().text == "Vi fyller holet."


def test_the_webhook_is_off_while_no_secret_is_set(client, sent_report, address):
    response = post_message(client, reply(address, "Vi fyller holet."), secret="")

    assert response.status_code == 404
    assert not Update.objects.exists()


def test_the_webhook_refuses_a_wrong_secret(client, webhook_on, sent_report, address):
    response = post_message(client, reply(address, "Vi fyller holet."), secret="guess")

    assert response.status_code == 403
    assert not Update.objects.exists()


def test_the_webhook_refuses_a_request_without_a_secret(client, webhook_on, sent_report, address):
    response = client.post(
        reverse("delivery:inbound_email"),
        reply(address, "Vi fyller holet."),
        content_type="message/rfc822",
    )

    assert response.status_code == 403
    assert not Update.objects.exists()


def test_the_webhook_refuses_bad_mail_with_the_reason(client, webhook_on, sent_report):
    response = post_message(client, b"\x00\xff\xfe not an e-mail")

    assert response.status_code == 400
    assert "not an e-mail" in response.json()["error"]
    assert not Update.objects.exists()


def test_the_webhook_refuses_an_unknown_address(client, webhook_on, sent_report):
    response = post_message(client, reply(BODY_ADDRESS, "Vi fyller holet."))

    assert response.status_code == 400
    assert not Update.objects.exists()


def test_the_webhook_takes_only_post(client, webhook_on):
    response = client.get(reverse("delivery:inbound_email"))

    assert response.status_code == 405


# The round trip, all through the real SMTP server.


def answer(received: EmailMessage, text: str) -> bytes:
    """The body's reply in its mail program: to the Reply-To, quoting the e-mail, signed."""
    plain = received.get_body(preferencelist=("plain",))
    assert plain is not None
    original = plain.get_content()
    quoted = "".join(f"> {line}\n" for line in original.splitlines())
    body = (
        f"{text}\n\nMed vennleg helsing\nSara Saksbehandler\nKongsvinger kommune\n\n"
        f"tor. 6. mar. 2025 kl. 10:12 skrev Torget <torget@localhost>:\n{quoted}"
    )
    return reply(
        str(received["Reply-To"]),
        body,
        In_Reply_To=received["Message-ID"],
        References=received["Message-ID"],
    )


def test_round_trip_report_email_reply_update_notice(
    mailers,
    report_pothole,
    kari,
    kongsvinger_body,
    client,
    webhook_on,
    django_capture_on_commit_callbacks,
):
    report = report_pothole()
    [to_body] = mailers.to(BODY_ADDRESS)

    # The body answers; the MTA pipes the answer to `torget inbound-email`.
    with django_capture_on_commit_callbacks(execute=True):
        inbound_email(answer(to_body, "Takk. Vi fyller holet på torsdag."))

    update = Update.objects.get(report=report)
    assert (update.body, update.author, update.text) == (
        kongsvinger_body,
        None,
        "Takk. Vi fyller holet på torsdag.",
    )
    page = client.get(report.get_absolute_url()).content.decode()
    assert '<span class="badge">Kongsvinger kommune</span>' in page
    assert "Takk. Vi fyller holet på torsdag." in page
    assert "Med vennleg helsing" not in page
    [notice] = mailers.to(kari.email)
    assert "Takk. Vi fyller holet på torsdag." in notice.get_body(("plain",)).get_content()

    # A second answer comes through the webhook instead.
    with django_capture_on_commit_callbacks(execute=True):
        response = post_message(client, answer(to_body, "Holet er fylt."))

    assert response.status_code == 200
    assert [u.text for u in report.updates.all()] == [update.text, "Holet er fylt."]
    assert len(mailers.to(kari.email)) == 2
    print(
        f"round trip: e-mails to the body={len(mailers.to(BODY_ADDRESS))} "
        f"updates={report.updates.count()} notices to the reporter={len(mailers.to(kari.email))}"
    )


# A body that reviews its replies by e-mail (the staff workspace publishes them).


@pytest.fixture
def reviewing(kongsvinger_body):
    kongsvinger_body.review_email_replies = True
    kongsvinger_body.save(update_fields=["review_email_replies"])
    return kongsvinger_body


def test_a_reviewing_bodys_reply_is_held_and_not_public(
    client, sent_report, address, receive, reviewing
):
    held = receive(reply(address, "Vi fyller holet på torsdag.\n\nHelsing\nPer\n"))
    assert isinstance(held, HeldReply)
    assert (held.state, held.text, held.body) == (
        HeldReplyState.WAITING,
        "Vi fyller holet på torsdag.",
        reviewing,
    )
    assert not Update.objects.filter(report=sent_report, body=reviewing).exists()
    assert mail.outbox == []
    assert "Vi fyller holet" not in client.get(sent_report.get_absolute_url()).text
    # The same reply again is the same held reply.
    again = receive(reply(address, "Vi fyller holet på torsdag.\n\nHelsing\nPer\n"))
    assert again.pk == held.pk


def test_without_review_the_reply_is_published_at_once(sent_report, address, receive):
    update = receive(reply(address, "Vi fyller holet på torsdag."))
    assert isinstance(update, Update)
    assert not HeldReply.objects.exists()


def test_the_reporters_full_name_is_not_published_with_the_reply(sent_report, address, receive):
    text = "Hei Kari!\nVi har snakka med kari  nordmann om holet.\nPer dag kjem det fleire bilar."
    update = receive(reply(address, text))
    assert update.text == "Vi har snakka med … om holet.\nPer dag kjem det fleire bilar."


def test_a_name_the_reporter_shows_stays_in_the_reply(report_pothole, kongsvinger_body, receive):
    shown = report_pothole(show_name=True)
    update = receive(reply(reply_address(shown.pk, kongsvinger_body.pk), "Takk, Kari Nordmann."))
    assert update.text == "Takk, Kari Nordmann."
