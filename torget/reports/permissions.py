"""Who may do what on a report's page.

Each action has one function here. The page asks it whether to show the action's form, and
the action's POST view asks the same function whether to accept the post, so a form that is
not offered cannot be used by posting to its address either.

Staff of a responsible body and the reporter can see a report that is hidden or not yet
confirmed (see `may_see`), but while it is not public nobody acts on it: a moderator hid it
for a reason, and an unconfirmed report may never be confirmed.
"""

from dataclasses import dataclass

from torget.accounts.models import User
from torget.places.models import Body
from torget.reports.models import Report


@dataclass(frozen=True)
class Viewer:
    """Who is looking at a report, and what they are to it."""

    user: User | None
    is_reporter: bool
    bodies: list[Body]  # the responsible bodies this user answers for

    @property
    def signed_in(self) -> bool:
        return self.user is not None


def may_see(report: Report, viewer: Viewer) -> bool:
    return report.is_public or viewer.is_reporter or bool(viewer.bodies)


def may_update(report: Report, viewer: Viewer) -> bool:
    return report.is_public and viewer.signed_in


def may_mark_fixed(report: Report, viewer: Viewer) -> bool:
    """Anyone who may add an update may say an open report is fixed, with that update."""
    return may_update(report, viewer) and report.group == "open"


def may_support(report: Report, viewer: Viewer) -> bool:
    # The reporter has the problem already; their "me too" would count them twice.
    return report.is_public and viewer.signed_in and not viewer.is_reporter


def may_follow(report: Report, viewer: Viewer) -> bool:
    """Anyone may follow a public report, with or without an account (alerts asks for an
    address when there is no account)."""
    return report.is_public


def may_reopen(report: Report, viewer: Viewer) -> bool:
    return report.is_public and viewer.is_reporter and report.group in ("fixed", "closed")


def may_answer(report: Report, viewer: Viewer) -> bool:
    """Answering includes setting the state."""
    return report.is_public and bool(viewer.bodies)


def may_change_category(report: Report, viewer: Viewer) -> bool:
    return report.is_public and bool(viewer.bodies)


def may_hide_name(report: Report, viewer: Viewer) -> bool:
    return report.is_public and viewer.is_reporter


def may_request_takedown(report: Report, viewer: Viewer) -> bool:
    return report.is_public and viewer.is_reporter
