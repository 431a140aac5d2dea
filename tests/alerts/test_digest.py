"""The alert e-mail as the person reads it (alerts/digest.py)."""

import pytest
from django.core import mail
from django.utils import translation

from tests.alerts.conftest import ago
from tests.conftest import KONGSVINGER_CENTRE
from torget.alerts import digest
from torget.alerts.models import SubscriptionKind
from torget.alerts.sending import send_due_alerts
from torget.reports import actions

pytestmark = pytest.mark.django_db

LAT, LON = KONGSVINGER_CENTRE


def html_of(message):
    [(html, _type)] = message.alternatives
    return html


def test_the_html_escapes_what_people_wrote_and_the_text_does_not(
    follow, report_at, kongsvinger_category, kongsvinger_area, other_citizen, citizen
):
    other_citizen.name = "Ola <b>&</b>"
    other_citizen.save(update_fields=["name"])
    report = report_at(kongsvinger_category, LAT, LON, title="<script>alert(1)</script>")
    follow(other_citizen, SubscriptionKind.REPORT, report=report)
    follow(other_citizen, SubscriptionKind.RADIUS, lat=LAT, lon=LON, radius=500, label="A & B")
    actions.add_update(report=report, author=citizen, text="<i>Still there</i>", photos=[])

    assert send_due_alerts() == 1

    [message] = mail.outbox
    html = html_of(message)
    assert "<script>" not in html and "<i>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Ola &lt;b&gt;&amp;&lt;/b&gt;" in html
    assert "A &amp; B" in html
    assert "<script>alert(1)</script>" in message.body
    assert "Ola <b>&</b>" in message.body
    assert "A & B" in message.body


def test_a_long_section_lists_the_first_entries_and_counts_the_rest(
    monkeypatch, follow, report_at, kongsvinger_category, kongsvinger_area, other_citizen
):
    monkeypatch.setattr(digest, "MAX_ENTRIES", 2)
    other_citizen.language = "nn"
    other_citizen.save(update_fields=["language"])
    follow(other_citizen, SubscriptionKind.AREA, area=kongsvinger_area, confirmed=ago(hours=2))
    for number in range(5):
        report_at(kongsvinger_category, LAT, LON, title=f"Sak {number}")

    assert send_due_alerts() == 1

    [message] = mail.outbox
    assert message.body.count("Sak ") == 2
    with translation.override("nn"):
        more = translation.ngettext("And %(counter)s more: ", "And %(counter)s more: ", 3)
    assert more % {"counter": 3} in message.body
    assert "/around?lat=" in message.body
    assert "/around?lat=" in html_of(message) and "&amp;lon=" in html_of(message)


def test_each_person_gets_their_own_greeting_and_links(
    follow, report_at, kongsvinger_category, kongsvinger_area, other_citizen, third_citizen
):
    """The layouts are shared; the values in them are each person's."""
    other_citizen.name = "Ola"
    other_citizen.save(update_fields=["name"])
    third_citizen.name = ""
    third_citizen.save(update_fields=["name"])
    mine = follow(other_citizen, SubscriptionKind.AREA, area=kongsvinger_area)
    theirs = follow(third_citizen, SubscriptionKind.AREA, area=kongsvinger_area)
    report_at(kongsvinger_category, LAT, LON)

    assert send_due_alerts() == 2

    by_address = {message.to[0]: message for message in mail.outbox}
    ola, other = by_address[other_citizen.email], by_address[third_citizen.email]
    assert "Ola," in ola.body and "Ola" not in other.body
    unsubscribe_ola = ola.extra_headers["List-Unsubscribe"].strip("<>")
    unsubscribe_other = other.extra_headers["List-Unsubscribe"].strip("<>")
    assert unsubscribe_ola != unsubscribe_other
    assert unsubscribe_ola in ola.body and unsubscribe_ola not in other.body
    assert str(mine.pk) != str(theirs.pk)
