"""Who may do what on a report's page: for every action, every person and every kind of
report, the page offers the form exactly when the action's POST is accepted.

The cast: Kari (`citizen`) made the report; Ola (`other_citizen`) did not; Kongsvinger staff
act for the body responsible for it; Eidskog staff act for a neighbouring body; the
administrator (a superuser, the moderator) acts for no body; and a visitor not logged in.
A report is public, hidden by a moderator, or not yet confirmed by its reporter.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import reverse

from torget.reports.models import Category, Report, State, Support, Update

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "citizen",
    "reporter",
    "kongsvinger_staff",
    "eidskog_staff",
    "administrator",
]
FIXTURES = {
    "citizen": "other_citizen",
    "reporter": "citizen",
    "kongsvinger_staff": "kongsvinger_staff",
    "eidskog_staff": "eidskog_staff",
    "administrator": "admin_user",
}
KINDS = ["public", "hidden", "unconfirmed"]
# Who may see a report that is not public: its reporter and staff of the responsible body.
SEE_UNPUBLISHED = {"reporter", "kongsvinger_staff"}


@dataclass(frozen=True)
class Action:
    url_name: str
    form_marker: str  # a piece of the page that is there only when the form is offered
    data: dict[str, str]
    done: Callable[[Report], bool]  # whether the action left its mark on the report
    allowed: frozenset[str]  # who may, on a public report
    state: State = State.OPEN  # the state the report is in when it is tried


def fresh(report: Report) -> Report:
    return Report.objects.get(pk=report.pk)


ACTIONS = {
    "update": Action(
        "add_update",
        'action="/report/{pk}/update',
        {"update-text": "Det er fortsatt mørkt."},
        lambda report: Update.objects.filter(report=report).exists(),
        frozenset(ROLES) - {"anonymous"},
    ),
    "mark-fixed": Action(
        "add_update",
        'name="update-mark_fixed"',
        {"update-text": "Nå lyser det.", "update-mark_fixed": "on"},
        lambda report: fresh(report).state == State.FIXED,
        frozenset(ROLES) - {"anonymous"},
    ),
    "support": Action(
        "support",
        'action="/report/{pk}/support',
        {},
        lambda report: Support.objects.filter(report=report).exists(),
        frozenset(ROLES) - {"anonymous", "reporter"},
    ),
    "reopen": Action(
        "reopen",
        'action="/report/{pk}/reopen',
        {"reopen-reason": "Det er mørkt igjen."},
        lambda report: fresh(report).state == State.OPEN,
        frozenset({"reporter"}),
        state=State.FIXED,
    ),
    "answer": Action(
        "answer",
        'action="/report/{pk}/answer',
        {"answer-text": "Vi ser på det.", "answer-new_state": State.ACKNOWLEDGED},
        lambda report: Update.objects.filter(report=report).exists(),
        frozenset({"kongsvinger_staff"}),
    ),
    "change-category": Action(
        "change_category",
        'action="/report/{pk}/category',
        {},  # filled in with the other category's id
        lambda report: fresh(report).category.slug == "stikk",
        frozenset({"kongsvinger_staff"}),
    ),
    "hide-name": Action(
        "hide_name",
        'action="/report/{pk}/hide-name',
        {},
        lambda report: not fresh(report).show_name,
        frozenset({"reporter"}),
    ),
    "takedown": Action(
        "takedown",
        'action="/report/{pk}/takedown',
        {"takedown-reason": "Det er bildet av naboens hus."},
        lambda report: fresh(report).takedown_requested is not None,
        frozenset({"reporter"}),
    ),
}


@pytest.fixture
def other_category(kongsvinger_body):
    return Category.objects.create(
        body=kongsvinger_body, slug="stikk", name_nb="Stikk", name_nn="Stikk", name_en="Paths"
    )


def report_of_kind(kind: str, public_report: Report, unconfirmed_report: Report) -> Report:
    if kind == "unconfirmed":
        Report.objects.filter(pk=public_report.pk).delete()
        return unconfirmed_report
    Report.objects.filter(pk=unconfirmed_report.pk).delete()
    if kind == "hidden":
        Report.objects.filter(pk=public_report.pk).update(hidden=True)
    return fresh(public_report)


def put_in_state(report: Report, state: State) -> None:
    """The report as the action needs it: its name shown, and fixed for reopening."""
    fields: dict[str, object] = {"show_name": True}
    if state != State.OPEN and report.state != State.UNCONFIRMED:
        fields["state"] = state
    Report.objects.filter(pk=report.pk).update(**fields)


def expected(action: Action, role: str, kind: str) -> str:
    """'done', 'login', 'forbidden' or 'not found'."""
    if kind != "public" and role not in SEE_UNPUBLISHED:
        return "not found"
    if role == "anonymous":
        return "login"
    if kind == "public" and role in action.allowed:
        return "done"
    return "forbidden"


CASES = [
    pytest.param(name, role, kind, id=f"{name}-by-{role}-on-{kind}")
    for name in ACTIONS
    for kind in KINDS
    for role in ROLES
]


@pytest.mark.parametrize(("name", "role", "kind"), CASES)
def test_the_form_is_offered_exactly_when_its_post_is_accepted(
    client, request, public_report, unconfirmed_report, other_category, name, role, kind
):
    action = ACTIONS[name]
    report = report_of_kind(kind, public_report, unconfirmed_report)
    put_in_state(report, action.state)
    report = fresh(report)
    if role != "anonymous":
        client.force_login(request.getfixturevalue(FIXTURES[role]))
    client.cookies.load({"django_language": "en"})
    outcome = expected(action, role, kind)
    data = action.data or {"category-category": str(other_category.pk)}

    page = client.get(reverse("reports:detail", args=[report.pk]))
    response = client.post(reverse(f"reports:{action.url_name}", args=[report.pk]), data)

    if outcome == "not found":
        assert page.status_code == 404
        assert response.status_code == 404
    else:
        offered = action.form_marker.format(pk=report.pk) in page.content.decode()
        assert offered == (outcome == "done")
    if outcome == "done":
        assert response.status_code == 302
        assert action.done(report)
        return
    if outcome == "login":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    elif outcome == "forbidden":
        assert response.status_code == 403
        assert 'class="message message-error"' in response.content.decode()
    assert not action.done(report)
    assert fresh(report).state == report.state
    assert fresh(report).updated == report.updated
