"""Never twice, never lost: deliveries to an Open311 server that fails in the ways real ones do.
Each test prints its counts."""

from collections import Counter

import pytest
from django.utils import timezone

from tests.delivery.open311_fixtures import *  # noqa: F403  (the fixtures)
from tests.delivery.open311_fixtures import delivery_of, send_all_due
from torget.delivery import actions
from torget.delivery.backends.open311 import Open311Backend, report_url
from torget.delivery.models import Delivery, DeliveryState

pytestmark = pytest.mark.django_db


def creates_per_report(server, reports):
    """How many service requests the server made for each report, recognised by the link to
    the report that ends its description."""
    counts = Counter()
    for created in server.created:
        for report in reports:
            if created.field("description").endswith(report_url(report)):
                counts[report.pk] += 1
    return counts


def counts_line(server, reports):
    deliveries = Delivery.objects.filter(report__in=reports)
    sent = deliveries.filter(state=DeliveryState.SENT).count()
    retries = sum(d.attempts for d in deliveries) - len(reports)
    received = len(server.created)
    duplicates = received - len(creates_per_report(server, reports))
    return f"sent={sent} received={received} duplicates={duplicates} retries={retries}"


def test_the_server_fails_and_times_out_then_recovers_and_every_report_arrives_once(
    open311_server, make_report
):
    reports = [make_report(title=f"Mørkt gatelys nr. {n}") for n in range(20)]
    # The server is down in every way at once: errors, hangs before and after creating the
    # request, and cut-off answers; then it recovers.
    open311_server.fail(
        *["500"] * 8, "timeout", "timeout", "lost", "lost", "malformed", "malformed", "500"
    )

    rounds = send_all_due()

    line = counts_line(open311_server, reports)
    print(f"{line} rounds={rounds} posts={len(open311_server.posts())}")
    assert creates_per_report(open311_server, reports) == {r.pk: 1 for r in reports}
    by_id = {created.id: created for created in open311_server.created}
    for report in reports:
        delivery = delivery_of(report)
        assert delivery.state == DeliveryState.SENT
        assert delivery.external_id in by_id
        assert by_id[delivery.external_id].field("description").endswith(report_url(report))
    assert line.startswith("sent=20 received=20 duplicates=0 retries=")
    assert int(line.rsplit("=", 1)[1]) >= 15


def test_a_token_that_takes_several_polls_is_posted_once(
    open311_server, make_report, no_poll_waits
):
    open311_server.token_polls = 5
    report = make_report()

    send_all_due()

    delivery = delivery_of(report)
    polls = [r for r in open311_server.received if "/tokens/" in r.path]
    print(f"posts={len(open311_server.posts())} polls={len(polls)} attempts={delivery.attempts}")
    assert len(open311_server.posts()) == 1
    assert len(polls) == 5
    assert delivery.state == DeliveryState.SENT
    assert delivery.token == open311_server.created[0].token
    assert delivery.external_id == open311_server.created[0].id
    assert delivery.attempts == 2


def test_a_token_without_an_id_yet_is_kept_and_the_delivery_retried(
    open311_server, make_report, no_poll_waits
):
    open311_server.token_polls = 10
    report = make_report()

    actions.send(delivery_of(report).pk)

    delivery = delivery_of(report)
    assert delivery.state == DeliveryState.RETRYING
    assert delivery.token == open311_server.created[0].token
    assert "still processing" in delivery.last_error


def test_an_unknown_service_code_leaves_the_delivery_failed_without_retrying(
    open311_server, open311_contact, make_report
):
    open311_contact.service_code = "NEDLAGT"
    open311_contact.save(update_fields=["service_code"])
    report = make_report()

    send_all_due()
    queued_again = actions.queue_due_deliveries()

    delivery = delivery_of(report)
    print(
        f"failed={int(delivery.state == DeliveryState.FAILED)} attempts={delivery.attempts} "
        f"posts={len(open311_server.posts())} created={len(open311_server.created)}"
    )
    assert delivery.state == DeliveryState.FAILED
    assert delivery.attempts == 1
    assert queued_again == 0
    assert "Service code NEDLAGT is not known" in delivery.last_error
    assert open311_server.created == []


def test_a_server_that_refuses_every_post_with_400_leaves_the_delivery_failed(
    open311_server, make_report
):
    open311_server.mode = "permanent400"
    report = make_report()

    state = actions.send(delivery_of(report).pk)

    assert state == DeliveryState.FAILED
    assert "answered 400" in delivery_of(report).last_error


def test_a_lost_answer_is_found_on_the_server_instead_of_posted_again(open311_server, make_report):
    report = make_report()
    open311_server.fail("lost")

    send_all_due()

    delivery = delivery_of(report)
    print(f"posts={len(open311_server.posts())} created={len(open311_server.created)}")
    assert len(open311_server.posts()) == 1
    assert delivery.external_id == open311_server.created[0].id
    assert delivery.attempts == 2


def test_a_worker_that_died_after_posting_does_not_post_again(open311_server, make_report):
    report = make_report()
    delivery = delivery_of(report)
    assert delivery.claim()
    Open311Backend().send_report(delivery)  # ... and the worker dies before recording it
    Delivery.objects.filter(pk=delivery.pk).update(claimed_until=timezone.now())

    send_all_due()

    delivery.refresh_from_db()
    assert len(open311_server.posts()) == 1
    assert delivery.state == DeliveryState.SENT
    assert delivery.external_id == open311_server.created[0].id


def test_the_remaining_window_a_lost_answer_from_a_server_that_hides_descriptions(
    open311_server, make_report
):
    """The documented window: when the answer is lost and the server does not list
    descriptions, the retry cannot tell, and the body gets the report twice."""
    open311_server.shows_descriptions = False
    report = make_report()
    open311_server.fail("lost")

    send_all_due()

    line = counts_line(open311_server, [report])
    print(line)
    assert line == "sent=1 received=2 duplicates=1 retries=1"
