"""Staff moving a report to another category from the report page: the body of the new
category gets the report by its own channel, and the first delivery stays on record."""

import pytest
from django.core import mail
from django.urls import reverse

from torget.delivery.models import Contact, Delivery, DeliveryState, SendMethod
from torget.places.models import Body, BodyKind
from torget.reports.models import Category

pytestmark = pytest.mark.django_db

ROADS_ADDRESS = "vegmelding@innlandetfylke.example"


@pytest.fixture
def county_roads(kongsvinger_body):
    """The county's road department covers the same ground as Kongsvinger and takes reports
    about county roads by e-mail."""
    county = Body.objects.create(
        name="Innlandet fylkeskommune", slug="innlandet", kind=BodyKind.FYLKESKOMMUNE
    )
    county.areas.set(kongsvinger_body.areas.all())
    category = Category.objects.create(
        body=county,
        slug="fylkesveg",
        name_nb="Fylkesvei",
        name_nn="Fylkesveg",
        name_en="County road",
    )
    Contact.objects.create(category=category, send_method=SendMethod.EMAIL, email=ROADS_ADDRESS)
    return category


def change(client, report, category_id):
    url = reverse("reports:change_category", args=[report.pk])
    return client.post(url, {"category-category": category_id})


def test_staff_see_the_categories_offered_where_the_report_is(
    client, public_report, kongsvinger_staff, county_roads, eidskog_category
):
    client.force_login(kongsvinger_staff)
    html = client.get(public_report.get_absolute_url()).content.decode()
    assert 'id="category-heading"' in html
    assert "Fylkesvei (Innlandet fylkeskommune)" in html
    # Eidskog's category is not offered: Eidskog does not cover the report's place.
    assert "Hull i veien" not in html


def test_moving_to_another_bodys_category_delivers_there_and_keeps_the_first(
    client, public_report, kongsvinger_staff, county_roads, django_capture_on_commit_callbacks
):
    first = Delivery.objects.get(report=public_report)
    client.force_login(kongsvinger_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = change(client, public_report, county_roads.pk)
    assert response.status_code == 302
    assert response["Location"].endswith("#category")
    public_report.refresh_from_db()
    assert public_report.category == county_roads
    deliveries = list(Delivery.objects.filter(report=public_report).order_by("pk"))
    assert deliveries[0] == first
    assert deliveries[1].body == county_roads.body
    assert deliveries[1].state == DeliveryState.SENT
    assert [m.to for m in mail.outbox if ROADS_ADDRESS in m.to] == [[ROADS_ADDRESS]]


def test_the_same_category_changes_nothing(client, public_report, kongsvinger_staff):
    client.force_login(kongsvinger_staff)
    response = change(client, public_report, public_report.category_id)
    assert response.status_code == 302
    assert Delivery.objects.filter(report=public_report).count() == 1


@pytest.mark.parametrize("value", ["", "abc", "999999", "-1", "1.5"])
def test_a_bad_category_shows_the_form_again_with_400(
    client, public_report, kongsvinger_staff, value
):
    client.force_login(kongsvinger_staff)
    before = public_report.category_id
    response = change(client, public_report, value)
    assert response.status_code == 400
    assert 'class="error-summary"' in response.content.decode()
    public_report.refresh_from_db()
    assert public_report.category_id == before


def test_a_category_not_offered_at_the_place_is_refused(
    client, public_report, kongsvinger_staff, eidskog_category
):
    client.force_login(kongsvinger_staff)
    response = change(client, public_report, eidskog_category.pk)
    assert response.status_code == 400
    assert Delivery.objects.filter(report=public_report).count() == 1


def test_staff_of_another_body_may_not_change_it(
    client, public_report, eidskog_staff, county_roads
):
    client.force_login(eidskog_staff)
    response = change(client, public_report, county_roads.pk)
    assert response.status_code == 403
    public_report.refresh_from_db()
    assert public_report.category != county_roads
    assert (
        'id="category-heading"' not in client.get(public_report.get_absolute_url()).content.decode()
    )


def test_the_reporter_may_not_change_it(client, public_report, citizen, county_roads):
    client.force_login(citizen)
    assert change(client, public_report, county_roads.pk).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client, public_report, county_roads):
    response = change(client, public_report, county_roads.pk)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_a_get_is_not_allowed(client, public_report, kongsvinger_staff):
    client.force_login(kongsvinger_staff)
    url = reverse("reports:change_category", args=[public_report.pk])
    assert client.get(url).status_code == 405
