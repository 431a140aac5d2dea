"""The Open311 side of the delivery tests: Kongsvinger's own GeoReport v2 system on 127.0.0.1,
its street-light category sent there, and Kari's reports in it.

Test modules import these by name (`from tests.delivery.open311_fixtures import ...`).
"""

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests.delivery.open311_server import Open311TestServer
from tests.reports.conftest import report_in_kongsvinger
from torget.delivery import actions as delivery_actions
from torget.delivery.backends import open311 as open311_backend
from torget.delivery.models import Contact, Delivery, DeliveryState, SendMethod
from torget.reports import actions
from torget.reports.models import Category

# The fixtures, for `from tests.delivery.open311_fixtures import *` in the test modules.
__all__ = [
    "empty_cache",
    "make_report",
    "no_poll_waits",
    "open311_contact",
    "open311_server",
    "streetlights",
]

# Short enough for fault tests to time out quickly, long enough for a loaded test machine.
CLIENT_TIMEOUT = 1.0


@pytest.fixture
def open311_server(settings):
    """Kongsvinger's Open311 system, answering within the client's (short) timeout unless it
    is told to hang."""
    settings.OPEN311_TIMEOUT = CLIENT_TIMEOUT
    server = Open311TestServer()
    server.hang_seconds = CLIENT_TIMEOUT + 0.5
    server.start()
    yield server
    server.stop()


@pytest.fixture
def no_poll_waits(monkeypatch):
    """Token polls without the seconds a real batch server is given between them."""
    monkeypatch.setattr(open311_backend, "TOKEN_POLL_INTERVAL", 0)


@pytest.fixture
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def streetlights(kommuner):
    from torget.places.models import Body

    return Category.objects.create(
        body=Body.objects.get(slug="kongsvinger"),
        slug="gatelys-open311",
        name_nb="Gatelys",
        name_nn="Gatelys",
        name_en="Street lights",
    )


@pytest.fixture
def open311_contact(streetlights, open311_server):
    return Contact.objects.create(
        category=streetlights,
        send_method=SendMethod.OPEN311,
        endpoint=open311_server.url,
        service_code="GATELYS",
        api_key=open311_server.api_key,
        jurisdiction="kongsvinger.kommune.no",
        status_map={"in_progress": "in_progress", "IN_PROGRESS": "in_progress"},
    )


@pytest.fixture
def make_report(citizen, open311_contact):
    """Kari reports a dark street light while logged in, so it is confirmed and its delivery
    is queued at once. (In a test's transaction the queued task never runs: each test sends
    when it chooses, with `send_all` or `delivery_actions.send`.)"""
    citizen.name = "Kari Anne Nordmann"
    citizen.phone = "+47 912 34 567"
    citizen.save(update_fields=["name", "phone"])

    def make(**fields):
        reporter = actions.Reporter(user=citizen, email=citizen.email)
        fields.setdefault("title", "Gatelyset er mørkt")
        fields.setdefault("detail", "Lyset ved busstoppet har vært mørkt i to uker.")
        return report_in_kongsvinger(reporter, open311_contact.category, **fields)

    return make


def delivery_of(report) -> Delivery:
    return Delivery.objects.get(report=report)


def send_all_due(rounds: int = 20) -> int:
    """Run the periodic sweep until nothing is waiting, making every retry due at once
    instead of after its back-off. Returns the number of rounds it took.

    The tasks queued on commit never run inside a test's transaction, so they count as lost
    from the start: the sweep takes their deliveries at once instead of after REQUEUE_AFTER."""
    Delivery.objects.update(queued_until=None)
    for done in range(1, rounds + 1):
        Delivery.objects.filter(state=DeliveryState.RETRYING).update(next_attempt_at=timezone.now())
        delivery_actions.queue_due_deliveries()
        waiting = [DeliveryState.PENDING, DeliveryState.RETRYING, DeliveryState.SENDING]
        if not Delivery.objects.filter(state__in=waiting).exists():
            return done
    raise AssertionError(f"Deliveries still waiting after {rounds} rounds")
