"""Site administrators manage users and staff memberships in the admin."""

import pytest

from torget.accounts.models import Membership, Role, User
from torget.places.models import Body, BodyKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def kongsvinger():
    return Body.objects.create(
        name="Kongsvinger kommune", slug="kongsvinger", kind=BodyKind.KOMMUNE
    )


def test_the_user_list_loads_for_a_superuser(admin_client, citizen):
    response = admin_client.get("/admin/accounts/user/")
    assert response.status_code == 200
    assert "kari@example.org" in response.text


def test_the_user_list_searches_by_name(admin_client, citizen):
    response = admin_client.get("/admin/accounts/user/", {"q": "Nordmann"})
    assert "kari@example.org" in response.text
    assert "admin@example.org" not in response.text


def test_the_add_user_page_loads_for_a_superuser(admin_client):
    response = admin_client.get("/admin/accounts/user/add/")
    assert response.status_code == 200
    assert 'name="email"' in response.text
    assert 'name="password1"' in response.text
    assert 'name="username"' not in response.text


def test_a_superuser_adds_a_user_by_email_and_password(admin_client):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "Ola@Example.org",
            "usable_password": "true",
            "password1": "a long enough password 7",
            "password2": "a long enough password 7",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="ola@example.org")
    assert user.check_password("a long enough password 7")


def test_the_add_form_refuses_an_address_that_differs_only_in_case(admin_client, citizen):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {"email": "KARI@example.org", "usable_password": "false"},
    )
    assert response.status_code == 200
    assert User.objects.filter(email__iexact="kari@example.org").count() == 1


def test_the_change_page_shows_memberships(admin_client, citizen, kongsvinger):
    Membership.objects.create(user=citizen, body=kongsvinger, role=Role.MODERATOR)
    response = admin_client.get(f"/admin/accounts/user/{citizen.pk}/change/")
    assert response.status_code == 200
    assert 'name="memberships-0-body"' in response.text


def test_the_membership_list_loads_for_a_superuser(admin_client, citizen, kongsvinger):
    Membership.objects.create(user=citizen, body=kongsvinger)
    response = admin_client.get("/admin/accounts/membership/")
    assert response.status_code == 200
    assert "Kongsvinger kommune" in response.text


def test_a_citizen_is_sent_to_the_admin_login(client, citizen):
    client.force_login(citizen)
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
