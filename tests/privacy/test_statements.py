"""The privacy notice and the accessibility statement: a page each, in bokmål, nynorsk and
English, linked from every page's footer, naming the controller the installation set and
marking what it has not set yet, with the retention periods in force."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

HEADINGS = {
    ("/privacy", "nb"): "Personvernerklæring for Torget",
    ("/privacy", "nn"): "Personvernerklæring for Torget",
    ("/privacy", "en"): "Privacy notice for Torget",
    ("/accessibility", "nb"): "Tilgjengelighetserklæring for Torget",
    ("/accessibility", "nn"): "Tilgjengelegheitserklæring for Torget",
    ("/accessibility", "en"): "Accessibility statement for Torget",
}


def page(path: str, language: str) -> str:
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get(path)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(("path", "language"), sorted(HEADINGS))
def test_each_statement_is_written_in_each_language(path, language):
    text = page(path, language)
    assert f"<h1>{HEADINGS[path, language]}</h1>" in text
    assert f'<html lang="{language}">' in text


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_every_page_links_both_statements_from_its_footer(language):
    footer = page("/", language).split('<footer class="site-footer">')[1]
    assert 'href="/privacy"' in footer and 'href="/accessibility"' in footer


def test_the_controller_and_contacts_come_from_the_settings(settings):
    settings.CONTROLLER_NAME = "Kongsvinger kommune"
    settings.CONTROLLER_CONTACT = "postmottak@kongsvinger.example"
    settings.PRIVACY_OFFICER = "personvernombud@kongsvinger.example"
    settings.ACCESSIBILITY_CONTACT = "uu@kongsvinger.example"
    settings.ACCESSIBILITY_STATEMENT_URL = "https://uustatus.no/nb/erklaringer/publisert/x"
    privacy, accessibility = page("/privacy", "nb"), page("/accessibility", "nb")
    assert "Kongsvinger kommune er behandlingsansvarlig" in " ".join(privacy.split())
    assert "personvernombud@kongsvinger.example" in privacy
    assert "uu@kongsvinger.example" in accessibility
    assert 'href="https://uustatus.no/nb/erklaringer/publisert/x"' in accessibility
    assert "to-fill" not in privacy + accessibility


def test_what_the_installation_has_not_set_is_marked_by_its_setting(settings):
    settings.CONTROLLER_NAME = ""
    text = page("/privacy", "en")
    assert '<mark class="to-fill">[TORGET_CONTROLLER_NAME]</mark>' in text


def test_the_retention_periods_are_those_in_force(settings):
    settings.KEEP_SIGN_INS_DAYS = 45
    settings.KEEP_CONTACT_YEARS = 2
    text = page("/privacy", "nb")
    assert "Innlogginger: 45 dager" in text
    assert "etter 2 år" in text


def test_the_statements_send_no_inline_code_and_tell_where_to_complain():
    response = Client().get("/privacy")
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "<script" not in response.content.decode() and "style=" not in response.content.decode()
    assert "datatilsynet.no" in response.content.decode()
    assert "uutilsynet.no" in page("/accessibility", "nb")
