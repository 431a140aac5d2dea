"""The site speaks bokmål, nynorsk or English, chosen by the browser or the language switch."""

import re

import pytest

pytestmark = pytest.mark.django_db

BOKMAL = "Meld fra til kommunen"
NYNORSK = "Meld frå til kommunen"
ENGLISH = "Tell your municipality"


def test_the_home_page_is_in_bokmal_by_default(client):
    response = client.get("/")
    assert BOKMAL in response.text
    assert '<html lang="nb">' in response.text


def test_the_home_page_is_in_nynorsk_when_the_browser_asks_for_it(client):
    response = client.get("/", headers={"accept-language": "nn"})
    assert NYNORSK in response.text
    assert '<html lang="nn">' in response.text


def test_the_home_page_is_in_english_when_the_browser_asks_for_it(client):
    response = client.get("/", headers={"accept-language": "en-GB,en;q=0.9"})
    assert ENGLISH in response.text
    assert '<html lang="en">' in response.text


def test_the_language_switch_overrides_the_browser(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    page = client.get("/", headers={"accept-language": "nn"})
    assert ENGLISH in page.text


def test_the_language_switch_is_a_form_that_works_without_javascript(client):
    page = client.get("/").text
    form = re.search(r'<form class="language-switch" method="post" action="([^"]+)">', page)
    assert form is not None
    assert form.group(1) == "/i18n/setlang/"
    assert '<select id="language-select" name="language">' in page
    for code in ("nb", "nn", "en"):
        assert f'<option value="{code}"' in page


def test_the_search_form_is_labelled(client):
    page = client.get("/").text
    assert '<form class="search" action="/around" method="get"' in page
    assert '<label for="search-q">' in page
    assert 'id="search-q" name="q"' in page


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/login/link/"])
def test_pages_allow_no_inline_scripts_or_styles(client, path):
    response = client.get(path)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert not re.search(r"<script(?![^>]*\ssrc=)", response.text), "an inline script"
    assert "<style" not in response.text
    assert " style=" not in response.text
