"""An address typed into a form is not proven: a report (or an alert sign-up) made with
someone else's address, and never confirmed, changes nothing on that person's account. The
name and phone given belong to the report and are used for it; only the confirmation link,
which proves the address, lets them fill the account's empty fields."""

import pytest
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse

from tests.conftest import KONGSVINGER_CENTRE
from torget.accounts.models import User
from torget.delivery.models import Contact
from torget.lib.signing import make_token
from torget.reports import actions
from torget.reports.models import Report

pytestmark = pytest.mark.django_db
LAT, LON = KONGSVINGER_CENTRE
BODY = "postmottak@kongsvinger.example"


@pytest.fixture
def owner(django_user_model):
    """Someone with an account that has no name or phone yet, and reads bokmål."""
    return django_user_model.objects.create_user("eva@example.org", "a good password")


@pytest.fixture
def by_email(kongsvinger_category):
    Contact.objects.create(category=kongsvinger_category, email=BODY)
    return kongsvinger_category


def post_report_as(client, category, *, email, name, phone, language="nn"):
    data = {
        "lat": str(LAT),
        "lon": str(LON),
        "category": str(category.pk),
        "title": "Gatelyset er mørkt",
        "detail": "Mørkt i ei veke.",
        "name": name,
        "email": email,
        "phone": phone,
        "website": "",
    }
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("reports:new"), data, headers={"accept-language": language})


def confirm(report: Report) -> None:
    token = make_token(actions.CONFIRMATION, str(report.pk))
    with TestCase.captureOnCommitCallbacks(execute=True):
        Client().post(reverse("reports:confirm", args=[token]))


def sent_to_body() -> str:
    [message] = [m for m in mail.outbox if m.to == [BODY]]
    return str(message.body)


def test_a_report_with_someone_elses_address_changes_nothing_on_their_account(
    client, owner, kongsvinger_category
):
    post_report_as(
        client, kongsvinger_category, email=owner.email, name="Mallory", phone="+47 900 00 000"
    )

    owner.refresh_from_db()
    assert (owner.name, owner.phone, owner.language) == ("", "", "")
    report = Report.objects.get()
    assert (report.reporter_name, report.reporter_phone) == ("Mallory", "+47 900 00 000")


def test_a_new_account_made_for_an_unconfirmed_report_holds_no_details(client, by_email):
    post_report_as(client, by_email, email="nils@example.org", name="Nils", phone="+4791234567")

    user = User.objects.get(email="nils@example.org")
    assert (user.name, user.phone, user.email_verified) == ("", "", False)


def test_the_owners_later_report_goes_to_the_body_without_the_strangers_phone(
    client, owner, by_email
):
    post_report_as(client, by_email, email=owner.email, name="Mallory", phone="+47 900 00 000")
    client.force_login(owner)
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("reports:new"),
            {
                "lat": str(LAT),
                "lon": str(LON),
                "category": str(by_email.pk),
                "title": "Hol i vegen",
                "detail": "Djupt.",
                "website": "",
            },
        )
    assert response.status_code == 302, response.content.decode()[-2000:]

    text = sent_to_body()
    assert "900 00 000" not in text
    assert "Mallory" not in text


def test_the_report_goes_to_the_body_with_the_phone_given_for_it(client, owner, by_email):
    owner.phone = "+47 411 11 111"
    owner.save(update_fields=["phone"])
    post_report_as(client, by_email, email=owner.email, name="Eva", phone="+47 922 22 222")
    mail.outbox.clear()

    confirm(Report.objects.get())

    text = sent_to_body()
    assert "+47 922 22 222" in text
    assert "411 11 111" not in text


def test_confirming_fills_only_the_accounts_empty_fields(client, owner, kongsvinger_category):
    owner.phone = "+47 411 11 111"
    owner.save(update_fields=["phone"])
    post_report_as(
        client, kongsvinger_category, email=owner.email, name="Eva Li", phone="+47 922 22 222"
    )

    confirm(Report.objects.get())

    owner.refresh_from_db()
    assert (owner.name, owner.phone, owner.email_verified) == ("Eva Li", "+47 411 11 111", True)


def test_an_alert_sign_up_with_someone_elses_address_changes_nothing_on_their_account(
    client, owner, kommuner
):
    data = {"lat": str(LAT), "lon": str(LON), "label": "Her", "target": "radius"}
    data |= {"radius": "1500", "include_new": "on", "email": owner.email}
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("alerts:subscribe"), data, headers={"accept-language": "nn"})
    assert response.status_code == 200

    owner.refresh_from_db()
    assert (owner.name, owner.phone, owner.language, owner.email_verified) == ("", "", "", False)
