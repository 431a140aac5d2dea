"""A body that reviews its replies by e-mail: they wait in the inbox, a moderator publishes
one (edited if need be) or discards it; a manager turns the review on and off."""

import pytest
from django.urls import reverse

from torget.reports import moderation
from torget.reports.models import HeldReply, HeldReplyState, Update

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(public_report, kongsvinger):
    return moderation.hold_body_answer(
        report=public_report,
        body=kongsvinger,
        text="Vi skifter pæra i morgen. Ring Per på 90000000.",
    )


def review(client, held, **data):
    return client.post(reverse("staff:review_reply", args=[held.pk]), data)


def test_a_held_reply_waits_in_the_inbox(client, handler, held, public_report):
    client.force_login(handler)
    response = client.get(reverse("staff:inbox"), {"waiting": "review"})
    assert public_report.title in response.text
    page = client.get(reverse("staff:report", args=[public_report.pk])).text
    assert "Vi skifter pæra i morgen." in page
    assert "review-do" not in page


def test_a_moderator_publishes_the_reply_edited_and_the_reporter_is_told(
    client, moderator, held, public_report, kongsvinger, django_capture_on_commit_callbacks
):
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        response = review(
            client, held, **{"review-text": "Vi skifter pæra i morgen.", "review-do": "publish"}
        )
    assert response.status_code == 302
    update = Update.objects.get(report=public_report, body=kongsvinger)
    assert update.text == "Vi skifter pæra i morgen."
    held.refresh_from_db()
    assert (held.state, held.update, held.decided_by) == (
        HeldReplyState.PUBLISHED,
        update,
        moderator,
    )
    public_report.refresh_from_db()
    assert public_report.answered is not None
    assert "90000000" not in client.get(public_report.get_absolute_url()).text
    assert (
        client.get(reverse("staff:inbox"), {"waiting": "review"}).text.count(public_report.title)
        == 0
    )
    # Decided once: a second try is refused.
    assert review(client, held, **{"review-do": "discard"}).status_code == 403


def test_a_moderator_discards_a_reply(client, moderator, held, public_report):
    client.force_login(moderator)
    assert review(client, held, **{"review-do": "discard"}).status_code == 302
    held.refresh_from_db()
    assert held.state == HeldReplyState.DISCARDED
    assert not Update.objects.filter(report=public_report, body__isnull=False).exists()


def test_an_empty_or_unknown_review_changes_nothing(client, moderator, held):
    client.force_login(moderator)
    review(client, held, **{"review-text": "", "review-do": "publish"})
    review(client, held, **{"review-do": "approve"})
    held.refresh_from_db()
    assert held.state == HeldReplyState.WAITING


def test_a_handler_or_another_body_may_not_review(client, handler, eidskog_handler, held):
    client.force_login(handler)
    assert review(client, held, **{"review-do": "discard"}).status_code == 403
    client.force_login(eidskog_handler)
    assert review(client, held, **{"review-do": "discard"}).status_code == 404
    held.refresh_from_db()
    assert held.state == HeldReplyState.WAITING


def test_a_manager_turns_the_review_on(client, manager, moderator, kongsvinger):
    url = reverse("staff:settings", args=[kongsvinger.slug])
    client.force_login(moderator)
    assert client.post(url, {"review_email_replies": "on"}).status_code == 403
    client.force_login(manager)
    assert client.get(url).status_code == 200
    assert client.post(url, {"review_email_replies": "on"}).status_code == 302
    kongsvinger.refresh_from_db()
    assert kongsvinger.review_email_replies
    client.post(url, {})
    kongsvinger.refresh_from_db()
    assert not kongsvinger.review_email_replies
    assert not HeldReply.objects.exists()
