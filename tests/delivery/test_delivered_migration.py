"""Reports made before they kept `Report.delivered` get it from their first delivery that was
sent (delivery's migration 0003)."""

import datetime
import importlib

import pytest
from django.apps import apps

from torget.delivery.models import Delivery, DeliveryState
from torget.reports.models import Report

pytestmark = pytest.mark.django_db

migration = importlib.import_module(
    "torget.delivery.migrations.0003_report_delivered_from_deliveries"
)


def test_the_first_sent_delivery_gives_the_time(mailers, report_pothole, eidskog_body):
    report = report_pothole()
    first = Delivery.objects.get(report=report)
    later = Delivery.objects.create(
        report=report,
        body=eidskog_body,
        method=first.method,
        state=DeliveryState.SENT,
        sent_at=first.sent_at + datetime.timedelta(days=2),
    )
    unsent = report_pothole(title="Ikke sendt")
    Delivery.objects.filter(report=unsent).update(state=DeliveryState.RETRYING, sent_at=None)
    Report.objects.update(delivered=None)

    migration.fill_in(apps, None)

    report.refresh_from_db()
    unsent.refresh_from_db()
    assert report.delivered == first.sent_at != later.sent_at
    assert unsent.delivered is None
