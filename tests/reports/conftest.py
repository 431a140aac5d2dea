"""The cast for the report pages: Kongsvinger's and Eidskog's bodies and staff, a category of
each, and reports in Kongsvinger by the citizen Kari."""

from typing import Any

import pytest
from django.core.cache import cache

from tests.conftest import KONGSVINGER_CENTRE
from torget.accounts.models import Membership, Role
from torget.places.models import Body
from torget.reports import actions
from torget.reports.models import Category, Report


@pytest.fixture(autouse=True)
def fresh_cache():
    """Cached figures live in the cache, which outlives a test; each test starts empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def kongsvinger_body(kommuner):
    return Body.objects.get(slug="kongsvinger")


@pytest.fixture
def eidskog_body(kommuner):
    return Body.objects.get(slug="eidskog")


def staff_of(django_user_model, body, email, name):
    user = django_user_model.objects.create_user(email, "staff password 42", name=name)
    Membership.objects.create(user=user, body=body, role=Role.HANDLER)
    return user


@pytest.fixture
def kongsvinger_staff(django_user_model, kongsvinger_body):
    return staff_of(
        django_user_model,
        kongsvinger_body,
        "saksbehandler@kongsvinger.example",
        "Sara Saksbehandler",
    )


@pytest.fixture
def eidskog_staff(django_user_model, eidskog_body):
    return staff_of(django_user_model, eidskog_body, "drift@eidskog.example", "Eirik Drift")


@pytest.fixture
def other_citizen(django_user_model):
    """Someone who did not make the report."""
    return django_user_model.objects.create_user(
        "ola@example.org", "another good password", name="Ola Hansen"
    )


@pytest.fixture
def kongsvinger_category(kongsvinger_body):
    return Category.objects.create(
        body=kongsvinger_body,
        slug="gatelys",
        name_nb="Gatelys",
        name_nn="Gatelys",
        name_en="Street lights",
    )


@pytest.fixture
def eidskog_category(eidskog_body):
    return Category.objects.create(
        body=eidskog_body,
        slug="hull-i-vegen",
        name_nb="Hull i veien",
        name_nn="Hol i vegen",
        name_en="Potholes",
    )


def report_in_kongsvinger(reporter: actions.Reporter, category: Category, **fields) -> Report:
    values: dict[str, Any] = {
        "title": "Gatelyset er mørkt",
        "detail": "Lyset ved busstoppet har vært mørkt i to uker.",
    }
    values.update(fields)
    lat, lon = KONGSVINGER_CENTRE
    return actions.submit_report(
        reporter=reporter,
        category=category,
        lat=lat,
        lon=lon,
        show_name=False,
        photos=[],
        address="Rådhusplassen 1, Kongsvinger",
        **values,
    )


@pytest.fixture
def public_report(citizen, kongsvinger_category):
    """Kari's report, made while logged in, so public at once."""
    reporter = actions.Reporter(user=citizen, email=citizen.email)
    return report_in_kongsvinger(reporter, kongsvinger_category)


@pytest.fixture
def unconfirmed_report(citizen, kongsvinger_category):
    """Kari's report, made without logging in, and not yet confirmed from her e-mail."""
    reporter = actions.Reporter(user=None, email=citizen.email, name=citizen.name)
    return report_in_kongsvinger(
        reporter, kongsvinger_category, title="Søppel i bekken", detail="Noen har dumpet søppel."
    )
