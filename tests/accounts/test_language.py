"""A person's language is kept on their account, so that what the worker mails them later
(alert digests, the questionnaire) comes in the language they use the site in."""

import pytest
from django.conf import settings

from tests.conftest import KONGSVINGER_CENTRE
from tests.reports.conftest import kongsvinger_body, kongsvinger_category
from torget.accounts import actions
from torget.reports import actions as report_actions

__all__ = ["kongsvinger_body", "kongsvinger_category"]

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
PASSWORD = "correct horse battery"
NYNORSK = {"accept-language": "nn"}


def test_logging_in_keeps_the_language_of_the_site(client, citizen):
    client.post(
        LOGIN, {"username": citizen.email, "password": PASSWORD}, headers={"accept-language": "nn"}
    )
    citizen.refresh_from_db()
    assert citizen.language == "nn"


def test_logging_in_does_not_overwrite_a_chosen_language(client, citizen):
    citizen.language = "en"
    citizen.save(update_fields=["language"])
    client.post(
        LOGIN, {"username": citizen.email, "password": PASSWORD}, headers={"accept-language": "nn"}
    )
    citizen.refresh_from_db()
    assert citizen.language == "en"


def test_the_language_switch_changes_a_signed_in_persons_language(client, citizen):
    citizen.language = "nb"
    citizen.save(update_fields=["language"])
    client.force_login(citizen)
    response = client.post("/i18n/setlang/", {"language": "nn", "next": "/"})
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.language == "nn"


def test_an_unknown_language_from_the_switch_changes_nothing(client, citizen):
    client.force_login(citizen)
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    citizen.refresh_from_db()
    assert citizen.language == ""


def test_the_language_switch_still_works_for_anonymous_visitors(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"


def test_the_language_switch_only_takes_a_post(client):
    assert client.get("/i18n/setlang/").status_code == 405


def test_remember_language_keeps_a_choice_unless_told_to_replace(citizen):
    actions.remember_language(citizen, "nn")
    actions.remember_language(citizen, "en")
    assert citizen.language == "nn"
    actions.remember_language(citizen, "en", replace=True)
    citizen.refresh_from_db()
    assert citizen.language == "en"


def test_confirming_a_report_keeps_the_language_it_was_confirmed_in(client, kongsvinger_category):
    report = report_actions.submit_report(
        reporter=report_actions.Reporter(user=None, email="nina@example.org"),
        category=kongsvinger_category,
        lat=KONGSVINGER_CENTRE[0],
        lon=KONGSVINGER_CENTRE[1],
        title="Gatelyset er mørkt",
        detail="",
        show_name=False,
        photos=[],
    )
    path = report_actions.confirmation_url(report).removeprefix(settings.BASE_URL)
    assert client.post(path, headers=NYNORSK).status_code == 302
    report.reporter.refresh_from_db()
    assert report.reporter.language == "nn"
