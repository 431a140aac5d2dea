"""The cast for alerts: the report pages' people and places, and helpers to make reports,
updates and subscriptions at chosen moments."""

import datetime

import pytest
from django.utils import timezone

from tests.delivery.conftest import mailers, smtp_server
from tests.reports.conftest import (
    eidskog_body,
    eidskog_category,
    fresh_cache,
    kongsvinger_body,
    kongsvinger_category,
    kongsvinger_staff,
    other_citizen,
    public_report,
    unconfirmed_report,
)
from torget.alerts.models import Subscription
from torget.places.models import Area
from torget.reports import actions

__all__ = [
    "eidskog_body",
    "eidskog_category",
    "fresh_cache",
    "kongsvinger_body",
    "kongsvinger_category",
    "kongsvinger_staff",
    "mailers",
    "other_citizen",
    "public_report",
    "smtp_server",
    "unconfirmed_report",
]

# A point in Eidskog, about 15 km south-east of Kongsvinger's centre.
EIDSKOG_POINT = (60.0080, 12.1250)


def ago(**kwargs: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**kwargs)


@pytest.fixture
def third_citizen(django_user_model):
    return django_user_model.objects.create_user(
        "per@example.org", "a third good password", name="Per Berg", email_verified=True
    )


@pytest.fixture
def follow(db):
    """A confirmed subscription, confirmed an hour ago unless told otherwise."""

    def make(user, kind, *, categories=(), confirmed=None, **fields):
        subscription = Subscription.objects.create(
            user=user, kind=kind, confirmed=confirmed or ago(hours=1), **fields
        )
        subscription.categories.set(categories)
        return subscription

    return make


@pytest.fixture
def report_at(citizen):
    """A public report of Kari's at a point, made (and so confirmed) now."""

    def make(category, lat, lon, *, reporter=None, title="Gatelyset er mørkt"):
        user = reporter or citizen
        return actions.submit_report(
            reporter=actions.Reporter(user=user, email=user.email),
            category=category,
            lat=lat,
            lon=lon,
            title=title,
            detail="",
            show_name=False,
            photos=[],
        )

    return make


@pytest.fixture
def kongsvinger_area(kongsvinger_body):
    return Area.objects.get(kind="kommune", code="3401")


@pytest.fixture
def eidskog_area(eidskog_body):
    return Area.objects.get(kind="kommune", code="3416")
