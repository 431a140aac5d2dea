"""Logging in with a password, with an e-mailed one-time link, and logging out."""

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.test import Client, TestCase

from torget.accounts.tokens import login_link_tokens

LOGIN = "/accounts/login/"
LINK_REQUEST = "/accounts/login/link/"
PASSWORD = "correct horse battery"

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    """A browser that asks for English, the language the assertions are written in."""
    return Client(headers={"accept-language": "en"})


def logged_in_user_id(client: Client) -> int | None:
    user_id = client.session.get("_auth_user_id")
    return int(user_id) if user_id else None


def request_link(client: Client, email: str, **extra: Any):
    """Ask for a link; the e-mail task is queued on commit, so run the commit hooks."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(LINK_REQUEST, {"email": email}, **extra)


def without_csrf_tokens(html: str) -> str:
    """The page without its CSRF tokens, which are masked differently on every render."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def sent_link_path() -> str:
    """The path of the link in the one e-mail sent, checked to be absolute on BASE_URL."""
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+", str(mail.outbox[0].body))
    assert link is not None
    url = link.group(0)
    assert url.startswith(settings.BASE_URL + LINK_REQUEST)
    return url.removeprefix(settings.BASE_URL)


# Password


def test_it_logs_in_with_email_and_password(client, citizen):
    response = client.post(LOGIN, {"username": "kari@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert logged_in_user_id(client) == citizen.pk


def test_it_accepts_the_address_in_any_case(client, citizen):
    client.post(LOGIN, {"username": "Kari@Example.ORG", "password": PASSWORD})
    assert logged_in_user_id(client) == citizen.pk


def test_it_returns_to_the_next_page_after_login(client, citizen):
    response = client.post(
        LOGIN, {"username": citizen.email, "password": PASSWORD, "next": "/geocode?q=x"}
    )
    assert response["Location"] == "/geocode?q=x"


def test_it_ignores_a_next_page_on_another_site(client, citizen):
    response = client.post(
        LOGIN, {"username": citizen.email, "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_it_shows_an_error_for_a_wrong_password(client, citizen):
    response = client.post(LOGIN, {"username": citizen.email, "password": "wrong"})
    assert response.status_code == 200
    assert logged_in_user_id(client) is None
    assert 'role="alert"' in response.text
    assert "The e-mail address or the password is wrong." in response.text


def test_it_refuses_an_inactive_user(client, citizen):
    citizen.is_active = False
    citizen.save(update_fields=["is_active"])
    client.post(LOGIN, {"username": citizen.email, "password": PASSWORD})
    assert logged_in_user_id(client) is None


def test_the_login_page_offers_a_login_link_instead(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert f'href="{LINK_REQUEST}"' in response.text


def test_the_login_form_refuses_a_post_without_csrf_token(citizen):
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": citizen.email, "password": PASSWORD})
    assert response.status_code == 403
    assert logged_in_user_id(client) is None


# Requesting a login link


def test_it_sends_one_login_link_with_an_absolute_url_to_a_known_address(client, citizen):
    response = request_link(client, "kari@example.org")
    assert response.status_code == 200
    assert "Check your inbox" in response.text
    message = mail.outbox[0]
    assert isinstance(message, EmailMultiAlternatives)
    assert message.to == ["kari@example.org"]
    path = sent_link_path()
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert isinstance(html, str)
    assert f'href="{settings.BASE_URL}{path}"' in html


def test_it_shows_the_same_page_and_sends_nothing_for_an_unknown_address(client, citizen):
    """The form must not tell anyone whether an address has an account."""
    known = request_link(client, "kari@example.org")
    mail.outbox.clear()
    unknown = request_link(client, "nobody@example.org")
    assert unknown.status_code == known.status_code == 200
    unknown_page = without_csrf_tokens(unknown.text).replace("nobody@", "kari@")
    assert unknown_page == without_csrf_tokens(known.text)
    assert mail.outbox == []


def test_it_sends_no_link_to_an_inactive_user(client, citizen):
    citizen.is_active = False
    citizen.save(update_fields=["is_active"])
    request_link(client, citizen.email)
    assert mail.outbox == []


def test_it_writes_the_link_in_the_users_own_language(client, citizen):
    """The language on the account wins over the language of the page that asked."""
    citizen.language = "nn"
    citizen.save(update_fields=["language"])
    request_link(client, citizen.email, HTTP_ACCEPT_LANGUAGE="en")
    assert mail.outbox[0].subject == "Innloggingslenkja di til Torget"


def test_it_writes_the_link_in_the_page_language_when_the_user_has_none(client, citizen):
    request_link(client, citizen.email, HTTP_ACCEPT_LANGUAGE="en")
    assert mail.outbox[0].subject == "Your login link for Torget"


def test_it_rejects_an_invalid_address(client):
    response = request_link(client, "not an address")
    assert response.status_code == 200
    assert 'role="alert"' in response.text
    assert mail.outbox == []


# Using a login link


def test_opening_the_link_does_not_log_in(client, citizen):
    """Mail scanners open links, so a GET only shows a button and leaves the link unused."""
    request_link(client, citizen.email)
    response = client.get(sent_link_path())
    assert response.status_code == 200
    assert 'method="post"' in response.text
    assert logged_in_user_id(client) is None


def test_posting_the_link_logs_in_and_marks_the_address_verified(client, citizen):
    request_link(client, citizen.email)
    response = client.post(sent_link_path())
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert logged_in_user_id(client) == citizen.pk
    citizen.refresh_from_db()
    assert citizen.email_verified
    assert citizen.last_login is not None


def test_the_link_returns_to_the_page_the_login_started_from(client, citizen):
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(LINK_REQUEST, {"email": citizen.email, "next": "/geocode?q=torvet"})
    path = sent_link_path()
    page = client.get(path)
    assert 'name="next" value="/geocode?q=torvet"' in page.text
    response = client.post(path, {"next": "/geocode?q=torvet"})
    assert response["Location"] == "/geocode?q=torvet"


def test_a_link_works_only_once(client, citizen):
    """Logging in moves last_login on, and the token is signed over it."""
    request_link(client, citizen.email)
    path = sent_link_path()
    client.post(path)
    other_browser = Client()
    response = other_browser.post(path)
    assert response.status_code == 400
    assert logged_in_user_id(other_browser) is None


def test_an_expired_link_is_refused(client, citizen, settings, monkeypatch):
    """LOGIN_LINK_MAX_AGE is read when the link is checked, not when the module loads."""
    settings.LOGIN_LINK_MAX_AGE = 60
    request_link(client, citizen.email)
    path = sent_link_path()
    monkeypatch.setattr(login_link_tokens, "_now", lambda: datetime.now() + timedelta(seconds=61))
    response = client.post(path)
    assert response.status_code == 400
    assert f'href="{LINK_REQUEST}"' in response.text
    assert logged_in_user_id(client) is None


def test_a_link_within_its_age_still_works(client, citizen, settings, monkeypatch):
    settings.LOGIN_LINK_MAX_AGE = 60
    request_link(client, citizen.email)
    path = sent_link_path()
    monkeypatch.setattr(login_link_tokens, "_now", lambda: datetime.now() + timedelta(seconds=50))
    client.post(path)
    assert logged_in_user_id(client) == citizen.pk


def test_a_tampered_link_is_refused_when_opened(client, citizen):
    request_link(client, citizen.email)
    path = sent_link_path()
    response = client.get(path[:-2] + "x/")
    assert response.status_code == 400
    assert "This login link does not work" in response.text


def test_a_link_for_an_unknown_user_is_refused(client):
    response = client.post(LINK_REQUEST + "OTk5OTk/abc-123/")
    assert response.status_code == 400


def test_a_link_stops_working_when_the_address_changes(client, citizen):
    """A link sent to an old address must not open the account once it has moved."""
    request_link(client, citizen.email)
    path = sent_link_path()
    citizen.email = "kari.nordmann@example.org"
    citizen.save(update_fields=["email"])
    assert client.post(path).status_code == 400


def test_a_password_reset_token_is_no_login_token(client, citizen):
    """The two kinds of token are signed with different salts."""
    from django.contrib.auth.tokens import default_token_generator

    request_link(client, citizen.email)
    path = sent_link_path()
    uidb64 = path.split("/")[4]
    token = default_token_generator.make_token(citizen)
    assert client.post(f"{LINK_REQUEST}{uidb64}/{token}/").status_code == 400


# Rate limits


def test_it_limits_link_requests_per_address(client, citizen):
    """Five links per address per 15 minutes, however many IP addresses ask."""
    for n in range(5):
        request_link(client, citizen.email, REMOTE_ADDR=f"10.0.0.{n}")
    response = request_link(client, citizen.email, REMOTE_ADDR="10.0.0.99")
    assert response.status_code == 429
    assert "Too many attempts" in response.text
    assert len(mail.outbox) == 5


def test_it_limits_link_requests_per_ip_address(client):
    """Five requests per IP address per 15 minutes, whatever addresses are typed."""
    for n in range(5):
        request_link(client, f"person{n}@example.org")
    response = request_link(client, "person99@example.org")
    assert response.status_code == 429
    assert response["Retry-After"] == "900"


def test_it_counts_addresses_in_any_case_as_one(client, citizen):
    for n in range(5):
        request_link(client, "KARI@example.org", REMOTE_ADDR=f"10.0.0.{n}")
    response = request_link(client, "kari@EXAMPLE.org", REMOTE_ADDR="10.0.0.99")
    assert response.status_code == 429


# Logging out


def test_logging_out_needs_a_post(client, citizen):
    client.force_login(citizen)
    response = client.get("/accounts/logout/")
    assert response.status_code == 405
    assert logged_in_user_id(client) == citizen.pk


def test_logging_out_ends_the_session(client, citizen):
    client.force_login(citizen)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert logged_in_user_id(client) is None


def test_the_header_shows_the_users_name_and_a_logout_form(client, citizen):
    client.force_login(citizen)
    response = client.get("/")
    assert "Kari Nordmann" in response.text
    assert 'action="/accounts/logout/"' in response.text


def test_it_limits_password_attempts_per_address(client, citizen):
    for _ in range(10):
        client.post(LOGIN, {"username": citizen.email, "password": "wrong"})
    response = client.post(LOGIN, {"username": citizen.email, "password": "correct horse battery"})
    assert response.status_code == 429
    assert logged_in_user_id(client) is None
