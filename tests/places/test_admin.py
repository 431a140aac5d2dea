"""The admin pages for areas, bodies, postcodes and categories load for administrators only."""

import pytest
from django.urls import reverse

from torget.places.models import Area, Body
from torget.reports.models import Category

pytestmark = pytest.mark.django_db


@pytest.fixture
def kongsvinger(kommuner):
    body = Body.objects.get(slug="kongsvinger")
    Category.objects.create(
        body=body, slug="gatelys", name_nb="Gatelys", name_nn="Gatelys", name_en="Street light"
    )
    return body


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:places_area_changelist",
        "admin:places_body_changelist",
        "admin:places_postcode_changelist",
        "admin:reports_category_changelist",
        "admin:reports_report_changelist",
        "admin:places_body_add",
        "admin:reports_category_add",
    ],
)
def test_an_administrator_can_open_the_page(client, admin_user, kongsvinger, url_name):
    client.force_login(admin_user)
    assert client.get(reverse(url_name)).status_code == 200


def test_the_area_list_costs_a_bounded_number_of_queries(
    client, admin_user, kongsvinger, django_assert_max_num_queries
):
    client.force_login(admin_user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:places_area_changelist"))
    assert "357 areas" in response.text or "357 områder" in response.text


def test_an_area_page_shows_its_bounds_and_size(client, admin_user, kongsvinger):
    client.force_login(admin_user)
    area = Area.objects.get(code="3401")
    response = client.get(reverse("admin:places_area_change", args=[area.pk]))
    assert response.status_code == 200
    assert "11.8307" in response.text


def test_areas_cannot_be_added_by_hand(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("admin:places_area_add")).status_code == 403


def test_a_body_page_shows_the_areas_it_serves(client, admin_user, kongsvinger):
    client.force_login(admin_user)
    response = client.get(reverse("admin:places_body_change", args=[kongsvinger.pk]))
    assert response.status_code == 200
    assert (
        "Kongsvinger (Kommune 3401)" in response.text
        or "Kongsvinger (Municipality 3401)" in response.text
    )


def test_a_citizen_is_sent_to_the_admin_login(client, citizen):
    client.force_login(citizen)
    response = client.get(reverse("admin:places_body_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
