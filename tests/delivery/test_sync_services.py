"""`torget sync-services`: a body's categories from its Open311 server's service list."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.delivery.open311_fixtures import *  # noqa: F403  (the fixtures)
from torget.delivery.models import Contact, SendMethod
from torget.places.models import Body
from torget.reports.models import Category

pytestmark = pytest.mark.django_db


@pytest.fixture
def kongsvinger(kommuner):
    return Body.objects.get(slug="kongsvinger")


def sync(server, *args, fmt="xml"):
    out = StringIO()
    call_command(
        "sync_services",
        "kongsvinger",
        "--endpoint",
        server.url,
        "--api-key",
        "nøkkel",
        "--jurisdiction",
        "kongsvinger.kommune.no",
        "--format",
        fmt,
        *args,
        stdout=out,
    )
    return out.getvalue()


def test_a_dry_run_says_what_it_would_do_and_writes_nothing(open311_server, kongsvinger):
    output = sync(open311_server)

    assert "+ GATELYS: Gatelys (new)" in output
    assert "+ 001: Hull i vegen (new)" in output
    assert "2 new, 0 changed, 0 unchanged, 0 withdrawn." in output
    assert "Dry run" in output
    assert not Category.objects.filter(body=kongsvinger).exists()


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_commit_makes_a_category_and_an_open311_contact_per_service(
    open311_server, kongsvinger, fmt
):
    output = sync(open311_server, "--commit", fmt=fmt)

    assert "2 new, 0 changed, 0 unchanged, 0 withdrawn: saved." in output
    category = Category.objects.get(body=kongsvinger, contact__service_code="001")
    assert (category.slug, category.name_nb, category.name_nn, category.name_en) == (
        "hull-i-vegen",
        "Hull i vegen",
        "Hull i vegen",
        "Hull i vegen",
    )
    assert category.group_nb == "Veg"
    contact = category.contact
    assert contact.send_method == SendMethod.OPEN311
    assert (contact.endpoint, contact.api_key, contact.jurisdiction) == (
        open311_server.url,
        "nøkkel",
        "kongsvinger.kommune.no",
    )
    assert contact.history.count() == 1


def test_a_second_run_changes_nothing(open311_server, kongsvinger):
    sync(open311_server, "--commit")

    output = sync(open311_server, "--commit")

    assert "0 new, 0 changed, 2 unchanged, 0 withdrawn" in output
    assert Category.objects.filter(body=kongsvinger).count() == 2


def test_a_renamed_service_renames_its_category_but_keeps_translations(open311_server, kongsvinger):
    sync(open311_server, "--commit")
    Category.objects.filter(contact__service_code="001").update(name_en="Potholes")
    open311_server.services[1]["service_name"] = "Hol i asfalten"

    output = sync(open311_server, "--commit")

    category = Category.objects.get(contact__service_code="001")
    assert "~ 001: Hull i vegen → Hol i asfalten" in output
    assert (category.name_nb, category.name_nn, category.name_en) == (
        "Hol i asfalten",
        "Hol i asfalten",
        "Potholes",
    )


def test_a_service_that_is_gone_deactivates_its_category(open311_server, kongsvinger):
    sync(open311_server, "--commit")
    del open311_server.services[0]

    output = sync(open311_server, "--commit")

    assert "- Gatelys: no longer offered, deactivated" in output
    assert not Category.objects.get(contact__service_code="GATELYS").active
    assert Category.objects.get(contact__service_code="001").active


def test_a_category_of_the_same_name_is_taken_over_not_doubled(open311_server, kongsvinger):
    existing = Category.objects.create(
        body=kongsvinger, slug="gatelys", name_nb="Gatelys", name_nn="Gatelys", name_en="Lights"
    )
    Contact.objects.create(category=existing, send_method=SendMethod.EMAIL, email="a@b.example")

    sync(open311_server, "--commit")

    existing.refresh_from_db()
    assert existing.contact.send_method == SendMethod.OPEN311
    assert existing.contact.service_code == "GATELYS"
    assert existing.contact.history.count() == 2
    assert Category.objects.filter(body=kongsvinger).count() == 2


def test_an_unknown_body_is_an_error(open311_server, kommuner):
    with pytest.raises(CommandError, match="No body has the slug 'atlantis'"):
        call_command("sync_services", "atlantis", "--endpoint", open311_server.url)


def test_a_server_that_fails_is_an_error(open311_server, kongsvinger):
    open311_server.fail("500")

    with pytest.raises(CommandError, match="Could not read the service list"):
        sync(open311_server)


def test_a_service_that_wants_extra_fields_is_pointed_out(open311_server, kongsvinger):
    open311_server.services[1]["metadata"] = "true"  # as open311-adapter writes it

    output = sync(open311_server, fmt="json")

    assert "! 001: the server asks for extra fields" in output
    assert "! GATELYS" not in output
