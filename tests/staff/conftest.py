"""The cast of the staff workspace: Kongsvinger kommune with a handler (Hanne), a moderator
(Mona) and a manager (Mads); Eidskog kommune next door with its own handler (Eirik); Kari,
a citizen who reports; and Ola, a citizen who does not."""

from typing import Any

import pytest
from django.core.cache import cache

from tests.conftest import KONGSVINGER_CENTRE
from torget.accounts.models import Membership, Role
from torget.places.models import Body
from torget.reports import actions
from torget.reports.models import Category, Report

PASSWORD = "staff password 42"


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def kongsvinger(kommuner):
    return Body.objects.get(slug="kongsvinger")


@pytest.fixture
def eidskog(kommuner):
    return Body.objects.get(slug="eidskog")


def member(django_user_model, body, email, name, role):
    user = django_user_model.objects.create_user(email, PASSWORD, name=name)
    Membership.objects.create(user=user, body=body, role=role)
    return user


@pytest.fixture
def handler(django_user_model, kongsvinger):
    return member(
        django_user_model, kongsvinger, "hanne@kongsvinger.example", "Hanne Handler", Role.HANDLER
    )


@pytest.fixture
def colleague(django_user_model, kongsvinger):
    return member(
        django_user_model, kongsvinger, "kai@kongsvinger.example", "Kai Kollega", Role.HANDLER
    )


@pytest.fixture
def moderator(django_user_model, kongsvinger):
    return member(
        django_user_model, kongsvinger, "mona@kongsvinger.example", "Mona Moderator", Role.MODERATOR
    )


@pytest.fixture
def manager(django_user_model, kongsvinger):
    return member(
        django_user_model, kongsvinger, "mads@kongsvinger.example", "Mads Manager", Role.MANAGER
    )


@pytest.fixture
def eidskog_handler(django_user_model, eidskog):
    return member(django_user_model, eidskog, "eirik@eidskog.example", "Eirik Drift", Role.HANDLER)


@pytest.fixture
def other_citizen(django_user_model):
    return django_user_model.objects.create_user(
        "ola@example.org", "another good password", name="Ola Hansen"
    )


@pytest.fixture
def streetlights(kongsvinger):
    return Category.objects.create(
        body=kongsvinger,
        slug="gatelys",
        name_nb="Gatelys",
        name_nn="Gatelys",
        name_en="Street lights",
        group_nb="Vei og trafikk",
        group_nn="Veg og trafikk",
        group_en="Roads and traffic",
    )


@pytest.fixture
def potholes(kongsvinger):
    return Category.objects.create(
        body=kongsvinger,
        slug="hull-i-veien",
        name_nb="Hull i veien",
        name_nn="Hol i vegen",
        name_en="Potholes",
        group_nb="Vei og trafikk",
        group_nn="Veg og trafikk",
        group_en="Roads and traffic",
    )


@pytest.fixture
def rubbish(kongsvinger):
    return Category.objects.create(
        body=kongsvinger, slug="soppel", name_nb="Søppel", name_nn="Søppel", name_en="Rubbish"
    )


@pytest.fixture
def eidskog_roads(eidskog):
    return Category.objects.create(
        body=eidskog, slug="veg", name_nb="Vei", name_nn="Veg", name_en="Roads"
    )


@pytest.fixture
def county_roads(kongsvinger):
    """A category of a county road authority that covers Kongsvinger too."""
    county = Body.objects.create(
        name="Innlandet fylkeskommune", slug="innlandet", kind="fylkeskommune"
    )
    county.areas.set(kongsvinger.areas.all())
    return Category.objects.create(
        body=county,
        slug="fylkesvei",
        name_nb="Fylkesvei",
        name_nn="Fylkesveg",
        name_en="County roads",
    )


def report(reporter_user, category: Category, **fields: Any) -> Report:
    """A public report by a logged-in reporter, at Kongsvinger's centre."""
    values: dict[str, Any] = {
        "title": "Gatelyset er mørkt",
        "detail": "Lyset ved busstoppet har vært mørkt i to uker.",
    }
    values.update(fields)
    lat, lon = values.pop("at", KONGSVINGER_CENTRE)
    return actions.submit_report(
        reporter=actions.Reporter(user=reporter_user, email=reporter_user.email),
        category=category,
        lat=lat,
        lon=lon,
        show_name=False,
        photos=[],
        address="Rådhusplassen 1, Kongsvinger",
        **values,
    )


@pytest.fixture
def public_report(citizen, streetlights):
    return report(citizen, streetlights)


@pytest.fixture
def eidskog_report(citizen, eidskog_roads):
    """A report of Eidskog's: the point is Kongsvinger's, but the category sends it there."""
    return report(citizen, eidskog_roads, title="Hull i Eidskog", detail="Et dypt hull.")
