"""The demo's outbox at /dev/outbox: e-mails kept on disk, readable and clickable, and only
in demo/debug mode."""

import time

import pytest
from django.core import mail
from django.urls import reverse

from torget.lib.outbox import OutboxBackend, read_outbox
from torget.site.outbox import linkify

OUTBOX = reverse("site:outbox")


@pytest.fixture
def demo(settings, tmp_path):
    settings.DEBUG = True
    settings.OUTBOX_DIR = tmp_path
    settings.MAILERS = {"default": {"BACKEND": "torget.lib.outbox.OutboxBackend"}}
    return settings


def send(subject, body, to="kari@example.org"):
    mail.send_mail(subject, body, "torget@localhost", [to])


def message_url(name):
    return reverse("site:outbox_message", args=[name])


def test_mail_sent_in_demo_mode_lands_in_the_outbox(demo):
    send("Bekreft meldingen din", "Trykk her")
    [(_, message)] = read_outbox()
    assert message["Subject"] == "Bekreft meldingen din"


def test_it_lists_the_messages_newest_first_with_date_recipient_and_subject(client, demo):
    send("Den første", "1", to="en@example.org")
    time.sleep(0.002)
    send("Den andre", "2", to="to@example.org")
    client.cookies.load({"django_language": "en"})
    response = client.get(OUTBOX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Den andre") < html.index("Den første")
    assert "to@example.org" in html
    assert "<time datetime=" in html
    [(newest, _), _] = read_outbox()
    assert f'href="{message_url(newest)}"' in html


def test_an_empty_outbox_says_how_to_fill_it(client, demo):
    client.cookies.load({"django_language": "en"})
    assert "No e-mails yet." in client.get(OUTBOX).content.decode()


def test_a_message_shows_its_text_with_the_links_clickable(client, demo):
    link = "http://127.0.0.1:8000/report/confirm/abc123:xyz"
    send("Bekreft", f"Hei Kari,\n\nBekreft meldingen her: {link}.\n\nHilsen Torget")
    [(name, _)] = read_outbox()
    response = client.get(message_url(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<a href="{link}">{link}</a>.' in html
    assert "Hilsen Torget" in html


def test_a_message_shows_the_plain_text_of_a_message_with_html(client, demo):
    message = mail.EmailMultiAlternatives("Emne", "Ren tekst", "torget@localhost", ["a@b.no"])
    message.attach_alternative("<p>HTML-versjonen</p>", "text/html")
    message.send()
    [(name, _)] = read_outbox()
    html = client.get(message_url(name)).content.decode()
    assert "Ren tekst" in html
    assert "HTML-versjonen" not in html


def test_markup_in_a_message_is_shown_as_text(client, demo):
    send("<b>Emne</b>", "<script>alert(1)</script> https://example.org/?a=1&b=<x>")
    [(name, _)] = read_outbox()
    html = client.get(message_url(name)).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Emne&lt;/b&gt;" in html
    assert '<a href="https://example.org/?a=1&amp;b=">' in html


def test_the_backend_can_be_called_directly(demo):
    message = mail.EmailMessage("Direkte", "Tekst", "torget@localhost", ["x@example.org"])
    assert OutboxBackend().send_messages([message]) == 1
    assert [m["Subject"] for _, m in read_outbox()] == ["Direkte"]


def test_an_unknown_message_is_not_found(client, demo):
    assert client.get(message_url("20250101T000000000000-deadbeef.eml")).status_code == 404


@pytest.mark.parametrize(
    "name", ["..", "..%2Fsettings.py", "secret.txt", "20250101T000000000000-DEADBEEF.eml"]
)
def test_only_the_outboxs_own_file_names_are_read(client, demo, tmp_path, name):
    (tmp_path / "secret.txt").write_text("hemmelig")
    response = client.get(f"{OUTBOX}/{name}")
    assert response.status_code == 404


def test_the_outbox_does_not_exist_outside_demo_mode(client, settings, tmp_path):
    settings.DEBUG = False
    settings.OUTBOX_DIR = tmp_path
    assert client.get(OUTBOX).status_code == 404


def test_a_message_is_not_readable_outside_demo_mode(client, demo):
    send("Hemmelig lenke", "https://example.org/login/abc")
    [(name, _)] = read_outbox()
    assert client.get(message_url(name)).status_code == 200
    demo.DEBUG = False
    assert client.get(message_url(name)).status_code == 404


def test_linkify_escapes_everything_and_links_only_web_addresses():
    text = 'Se https://torget.example/r/1, eller "javascript:alert(1)" <i>nå</i>'
    assert linkify(text) == (
        'Se <a href="https://torget.example/r/1">https://torget.example/r/1</a>, eller '
        "&quot;javascript:alert(1)&quot; &lt;i&gt;nå&lt;/i&gt;"
    )


def test_linkify_leaves_quotes_out_of_links():
    assert linkify('"https://a.example/x"') == (
        '&quot;<a href="https://a.example/x">https://a.example/x</a>&quot;'
    )
