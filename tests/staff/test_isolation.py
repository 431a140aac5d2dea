"""Every address of the staff workspace, requested by everyone who might.

The addresses are read from the staff URL configuration, so a new one fails
`test_every_staff_address_is_in_this_test` until its rules are written here. Each is then
requested (GET, and POST with data that would be accepted from someone allowed) by: a
visitor not logged in, a citizen, a handler of another body, and a handler, moderator and
manager of the body that has the report. Whoever is refused gets the refusal, and nothing in
the database changes.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import URLPattern, get_resolver, reverse

from tests.conftest import KONGSVINGER_CENTRE
from tests.staff.conftest import report
from torget.places.models import Body
from torget.reports import moderation
from torget.reports.models import HeldReply, Moderation, Report, Update
from torget.staff.models import (
    Handling,
    InternalEntry,
    Priority,
    ResponseTemplate,
    SavedFilter,
    Target,
)

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "citizen", "other_body", "handler", "moderator", "manager"]
RANK = {"handler": 1, "moderator": 2, "manager": 3}


@dataclass
class World:
    """What the addresses point at: all Kongsvinger's, and a saved filter of the handler's."""

    report: Report
    nearby: Report  # another open report of Kongsvinger's, 100 m away: a possible original
    held: HeldReply  # Kongsvinger's reply by e-mail, waiting for review
    template: ResponseTemplate
    priority: Priority
    saved: SavedFilter
    people: dict[str, Any]


@dataclass(frozen=True)
class Rule:
    methods: frozenset[str]  # the methods the view takes; any other is a 405
    kwargs: Callable[[World], dict[str, Any]] = lambda w: {}
    data: Callable[[World], dict[str, Any]] = lambda w: {}
    least: str = "handler"  # the least role of Kongsvinger's that may
    # What staff of another body get: 404 where the thing is Kongsvinger's, else as allowed.
    other_body_allowed: bool = False
    # Only the owner of the thing may (a saved filter is its person's own).
    owner_only: bool = False
    # Only superusers may (the whole audit log); every member is refused.
    superuser_only: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def on_report(w: World) -> dict[str, Any]:
    return {"pk": w.report.pk}


def on_body(w: World) -> dict[str, Any]:
    return {"slug": "kongsvinger"}


GET, POST, BOTH = frozenset({"GET"}), frozenset({"POST"}), frozenset({"GET", "POST"})

RULES: dict[str, Rule] = {
    "inbox": Rule(GET, other_body_allowed=True),
    "bulk": Rule(
        POST,
        data=lambda w: {
            "body": "kongsvinger",
            "reports": [w.report.pk],
            "do": "priority",
            "priority": w.priority.pk,
        },
    ),
    "save_filter": Rule(
        POST, data=lambda w: {"save-name": "Mine", "save-query": ""}, other_body_allowed=True
    ),
    "delete_filter": Rule(POST, kwargs=lambda w: {"pk": w.saved.pk}, owner_only=True),
    "report": Rule(GET, kwargs=on_report),
    "assign": Rule(
        POST, kwargs=on_report, data=lambda w: {"assign-assignee": w.people["handler"].pk}
    ),
    "priority": Rule(POST, kwargs=on_report, data=lambda w: {"priority-priority": w.priority.pk}),
    "note": Rule(POST, kwargs=on_report, data=lambda w: {"note-text": "Et internt notat"}),
    "answer": Rule(
        POST,
        kwargs=on_report,
        data=lambda w: {
            "answer-text": "Vi ser på det.",
            "answer-new_state": "investigating",
            "answer-do": "publish",
        },
    ),
    "category": Rule(
        POST, kwargs=on_report, data=lambda w: {"category-category": w.people["potholes"].pk}
    ),
    "duplicate": Rule(
        BOTH,
        kwargs=on_report,
        data=lambda w: {"body": "kongsvinger", "duplicate-original": w.nearby.pk},
    ),
    "move": Rule(
        BOTH,
        kwargs=on_report,
        data=lambda w: {
            "move-lat": KONGSVINGER_CENTRE[0] + 0.001,
            "move-lon": KONGSVINGER_CENTRE[1],
        },
    ),
    "edit_report": Rule(
        BOTH,
        kwargs=on_report,
        data=lambda w: {"edit-title": "Lyset", "edit-detail": "", "edit-reason": "Navn"},
        least="moderator",
    ),
    "hide": Rule(
        BOTH, kwargs=on_report, data=lambda w: {"hide-reason": "Sjikane"}, least="moderator"
    ),
    "review_reply": Rule(
        POST,
        kwargs=lambda w: {"pk": w.held.pk},
        data=lambda w: {"review-do": "discard"},
        least="moderator",
    ),
    "file_for_citizen": Rule(
        BOTH,
        kwargs=on_body,
        data=lambda w: {
            "citizen-lat": KONGSVINGER_CENTRE[0],
            "citizen-lon": KONGSVINGER_CENTRE[1],
            "citizen-category": w.people["potholes"].pk,
            "citizen-title": "Hull ved skolen",
            "citizen-detail": "Meldt på telefon.",
            "citizen-name": "Astrid",
        },
    ),
    "settings": Rule(
        BOTH, kwargs=on_body, data=lambda w: {"review_email_replies": "on"}, least="manager"
    ),
    "templates": Rule(GET, kwargs=on_body, least="manager"),
    "new_template": Rule(
        BOTH,
        kwargs=on_body,
        data=lambda w: {"title": "Ny", "text_nb": "Takk.", "active": "on"},
        least="manager",
    ),
    "edit_template": Rule(
        BOTH,
        kwargs=lambda w: {"slug": "kongsvinger", "pk": w.template.pk},
        data=lambda w: {"title": "Endret", "text_nb": "Takk!", "active": "on"},
        least="manager",
    ),
    "delete_template": Rule(
        POST, kwargs=lambda w: {"slug": "kongsvinger", "pk": w.template.pk}, least="manager"
    ),
    "priorities": Rule(GET, kwargs=on_body, least="manager"),
    "targets": Rule(
        BOTH, kwargs=on_body, data=lambda w: {"answer-all": 5, "fix-all": 20}, least="manager"
    ),
    "new_priority": Rule(
        BOTH, kwargs=on_body, data=lambda w: {"name": "Snart", "position": 2}, least="manager"
    ),
    "edit_priority": Rule(
        BOTH,
        kwargs=lambda w: {"slug": "kongsvinger", "pk": w.priority.pk},
        data=lambda w: {"name": "Straks", "position": 1},
        least="manager",
    ),
    "delete_priority": Rule(
        POST, kwargs=lambda w: {"slug": "kongsvinger", "pk": w.priority.pk}, least="manager"
    ),
    "body_log": Rule(GET, kwargs=on_body, least="manager"),
    "log": Rule(GET, superuser_only=True),
}


def staff_url_names() -> set[str]:
    resolver = get_resolver("torget.staff.urls")
    return {p.name for p in resolver.url_patterns if isinstance(p, URLPattern) and p.name}


def test_every_staff_address_is_in_this_test():
    assert staff_url_names() == set(RULES)


def expected(rule: Rule, persona: str) -> str:
    """'login', 'forbidden', 'missing' or 'allowed'."""
    if persona == "anonymous":
        return "login"
    if persona == "citizen" or rule.superuser_only:
        return "forbidden"
    if persona == "other_body":
        return "allowed" if rule.other_body_allowed else "missing"
    if rule.owner_only:
        return "allowed" if persona == "handler" else "missing"
    return "allowed" if RANK[persona] >= RANK[rule.least] else "forbidden"


def snapshot() -> dict[str, Any]:
    """Everything a staff address could change."""
    return {
        "handlings": sorted(Handling.objects.values_list("report", "body", "assignee", "priority")),
        "entries": InternalEntry.objects.count(),
        "filters": sorted(SavedFilter.objects.values_list("user", "name", "query")),
        "templates": sorted(ResponseTemplate.objects.values_list("pk", "title", "text_nb")),
        "priorities": sorted(Priority.objects.values_list("pk", "name", "position")),
        "targets": sorted(Target.objects.values_list("pk", "answer_days", "fix_days")),
        "updates": Update.objects.count(),
        "reports": sorted(Report.objects.values_list("pk", "state", "category", "hidden")),
        "moderations": Moderation.objects.count(),
        "held": sorted(HeldReply.objects.values_list("pk", "state")),
        "review": sorted(Body.objects.values_list("pk", "review_email_replies")),
    }


@pytest.fixture
def world(
    citizen,
    other_citizen,
    eidskog_handler,
    handler,
    moderator,
    manager,
    kongsvinger,
    streetlights,
    potholes,
):
    people = {
        "citizen": other_citizen,
        "other_body": eidskog_handler,
        "handler": handler,
        "moderator": moderator,
        "manager": manager,
        "potholes": potholes,
    }
    found = report(citizen, streetlights, title="Lyset ved skolen")
    nearby = (KONGSVINGER_CENTRE[0] + 0.0009, KONGSVINGER_CENTRE[1])
    return World(
        report=found,
        nearby=report(citizen, streetlights, title="Mørkt ved skolen", at=nearby),
        held=moderation.hold_body_answer(report=found, body=kongsvinger, text="Vi ser på det."),
        template=ResponseTemplate.objects.create(body=kongsvinger, title="Mal", text_nb="Hei"),
        priority=Priority.objects.create(body=kongsvinger, name="Akutt"),
        saved=SavedFilter.objects.create(user=handler, name="Mitt", query="waiting=new"),
        people=people,
    )


def check(response, outcome: str, method: str) -> None:
    status = response.status_code
    if outcome == "login":
        assert status == 302 and "/accounts/login" in response["Location"], status
    elif outcome == "forbidden":
        assert status == 403, status
    elif outcome == "missing":
        assert status == 404, status
    else:
        assert status in ((200,) if method == "GET" else (302,)), status


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(RULES))
def test_each_address_answers_each_person_by_the_rules(client, world, name, persona):
    rule = RULES[name]
    url = reverse(f"staff:{name}", kwargs=rule.kwargs(world))
    if persona != "anonymous":
        client.force_login(world.people[persona])
    outcome = expected(rule, persona)
    for method in ("GET", "POST"):
        before = snapshot()
        response = client.get(url) if method == "GET" else client.post(url, rule.data(world))
        if method not in rule.methods:
            assert response.status_code == 405, (method, response.status_code)
            assert snapshot() == before
            continue
        check(response, outcome, method)
        if outcome != "allowed":
            assert snapshot() == before, f"{persona} changed something with {method} {url}"
        if method == "GET" and outcome == "allowed" and persona == "other_body":
            # The other body's own inbox: nothing of Kongsvinger's in it.
            assert world.report.title not in response.text


@pytest.mark.parametrize("name", sorted(n for n, r in RULES.items() if "POST" in r.methods))
def test_an_allowed_post_changes_something(client, world, name):
    """The data above is accepted: the refusals are refusals of the person, not of bad data."""
    rule = RULES[name]
    person = rule.least
    client.force_login(world.people[person])
    before = snapshot()
    response = client.post(reverse(f"staff:{name}", kwargs=rule.kwargs(world)), rule.data(world))
    assert response.status_code == 302
    assert snapshot() != before


@pytest.mark.parametrize("name", ["report", "assign", "note"])
def test_staff_of_another_body_get_404_for_a_report_that_is_not_their_bodys(client, world, name):
    client.force_login(world.people["other_body"])
    url = reverse(f"staff:{name}", kwargs={"pk": world.report.pk})
    response = client.get(url) if name == "report" else client.post(url, RULES[name].data(world))
    assert response.status_code == 404


def test_a_superuser_who_is_no_member_gets_no_workspace(client, world, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("staff:inbox")).status_code == 403
    assert client.get(reverse("staff:report", args=[world.report.pk])).status_code == 403


def test_every_post_form_carries_a_csrf_token(client, world):
    """Django's CSRF middleware refuses a POST without the token; the forms must carry it."""
    client.force_login(world.people["manager"])
    for url in (
        reverse("staff:inbox"),
        reverse("staff:report", args=[world.report.pk]),
        reverse("staff:new_template", args=["kongsvinger"]),
        reverse("staff:edit_priority", args=["kongsvinger", world.priority.pk]),
    ):
        text = client.get(url).text
        assert text.count('method="post"') == text.count('name="csrfmiddlewaretoken"'), url
