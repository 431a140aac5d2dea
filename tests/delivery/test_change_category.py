"""Staff moving a report to a category of another body: that body gets a delivery of its own,
and the earlier delivery stays on record."""

import pytest
from django.test import TestCase

from tests.reports.conftest import kongsvinger_staff, public_report  # noqa: F401
from torget.delivery.models import Delivery, DeliveryState
from torget.reports import actions
from torget.reports.models import Category

pytestmark = pytest.mark.django_db


def move(report, category, staff):
    body = staff.memberships.get().body
    return actions.change_category(report=report, category=category, by=staff, body=body)


def test_a_new_body_gets_its_own_delivery_and_the_first_stays(
    public_report,  # noqa: F811
    eidskog_body,
    kongsvinger_staff,  # noqa: F811
):
    first = Delivery.objects.get(report=public_report)
    eidskog_roads = Category.objects.create(
        body=eidskog_body, slug="veg", name_nb="Veg", name_nn="Veg", name_en="Road"
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        move(public_report, eidskog_roads, kongsvinger_staff)
    assert [d.body for d in Delivery.objects.filter(report=public_report).order_by("pk")] == [
        first.body,
        eidskog_body,
    ]
    # No contact for the new category: the body reads it on Torget, so it counts as sent.
    assert Delivery.objects.get(report=public_report, body=eidskog_body).state == DeliveryState.SENT
    assert set(public_report.bodies.all()) == {first.body, eidskog_body}


def test_moving_within_the_same_body_sends_nothing_again(
    public_report,  # noqa: F811
    kongsvinger_body,
    kongsvinger_staff,  # noqa: F811
):
    other = Category.objects.create(
        body=kongsvinger_body, slug="annet", name_nb="Annet", name_nn="Anna", name_en="Other"
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        move(public_report, other, kongsvinger_staff)
    assert Delivery.objects.filter(report=public_report).count() == 1
