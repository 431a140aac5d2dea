"""Staff file a report for a citizen who called: the citizen's name and contact go with the
report and are never public, the citizen is told by e-mail when an address is given, and the
report says that the body filed it for a citizen."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import KONGSVINGER_CENTRE
from torget.delivery.models import Delivery
from torget.mail.models import Email
from torget.reports.models import Report, State

pytestmark = pytest.mark.django_db

URL = reverse("staff:file_for_citizen", args=["kongsvinger"])
LAT, LON = KONGSVINGER_CENTRE


def filed(category, **changes):
    data = {
        "citizen-lat": str(LAT),
        "citizen-lon": str(LON),
        "citizen-address": "Storgata 5, Kongsvinger",
        "citizen-category": str(category.pk),
        "citizen-title": "Vannlekkasje i fortauet",
        "citizen-detail": "Det renner vann opp av fortauet ved nummer 5.",
        "citizen-name": "Astrid Innbygger",
        "citizen-email": "astrid@example.org",
        "citizen-phone": "+47 912 34 567",
    }
    data.update(changes)
    return data


def test_the_form_offers_the_bodys_categories_at_the_place(
    client, handler, streetlights, eidskog_roads
):
    client.force_login(handler)
    assert client.get(URL).status_code == 200
    response = client.get(URL, {"lat": LAT, "lon": LON, "address": "Storgata 5"})
    assert response.status_code == 200
    assert streetlights.name_nb in response.text
    assert eidskog_roads.name_nb not in response.text


def test_a_handler_files_a_report_for_a_citizen_who_is_told_by_email(
    client, handler, streetlights, kongsvinger
):
    client.force_login(handler)
    response = client.post(URL, filed(streetlights))
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.state, report.filed_by_body, report.filed_by) == (
        State.OPEN,
        kongsvinger,
        handler,
    )
    assert report.reporter is not None and report.reporter.email == "astrid@example.org"
    assert (report.reporter_name, report.reporter_phone, report.show_name) == (
        "Astrid Innbygger",
        "+47 912 34 567",
        False,
    )
    told = Email.objects.get(to="astrid@example.org")
    assert str(report.pk) in told.subject and "Kongsvinger kommune" in told.text
    assert Delivery.objects.filter(report=report, body=kongsvinger).exists()
    public = Client().get(report.get_absolute_url()).text
    assert "Meldt inn av Kongsvinger kommune for en innbygger" in public
    for private in ("Astrid", "astrid@example.org", "912 34 567"):
        assert private not in public
    staff_page = client.get(reverse("staff:report", args=[report.pk])).text
    assert "Astrid Innbygger" in staff_page and "912 34 567" in staff_page


def test_without_an_address_the_report_has_no_reporter_and_nobody_is_mailed(
    client, handler, streetlights
):
    client.force_login(handler)
    response = client.post(URL, filed(streetlights, **{"citizen-email": ""}))
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.reporter is None and report.reporter_name == "Astrid Innbygger"
    assert not Email.objects.filter(to="astrid@example.org").exists()
    assert Client().get(report.get_absolute_url()).status_code == 200


@pytest.mark.parametrize(
    "changes",
    [
        {"citizen-name": ""},
        {"citizen-email": "ikke en adresse"},
        {"citizen-phone": "ring meg"},
        {"citizen-title": ""},
        {"citizen-category": "999999"},
        {"citizen-category": "abc"},
        {"citizen-lat": "59.9139", "citizen-lon": "10.7522"},  # Oslo, not Kongsvinger's
        {"citizen-lat": "nord", "citizen-lon": "øst"},
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(client, handler, streetlights, changes):
    client.force_login(handler)
    assert client.post(URL, filed(streetlights, **changes)).status_code == 400
    assert not Report.objects.exists()


def test_another_bodys_category_is_refused(client, handler, streetlights, eidskog_roads):
    client.force_login(handler)
    response = client.post(URL, filed(streetlights, **{"citizen-category": eidskog_roads.pk}))
    assert response.status_code == 400
    assert not Report.objects.exists()


def test_only_staff_may_file_for_a_citizen(client, citizen, eidskog_handler, streetlights):
    assert Client().get(URL).status_code == 302
    client.force_login(citizen)
    assert client.post(URL, filed(streetlights)).status_code == 403
    client.force_login(eidskog_handler)
    assert client.post(URL, filed(streetlights)).status_code == 404
    assert not Report.objects.exists()
