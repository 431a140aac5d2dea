"""Who may do what in the staff workspace.

Staff act for a body through an `accounts.Membership`, whose role is one rung of a ladder:
a handler handles reports (assigns, prioritises, notes, answers, moves them to another
category); a moderator may also do what moderation needs (hide, edit, review replies); a
manager may also run the body's workspace (templates, priorities, targets, members). Each
rung may do all that the rungs below it may. Superusers get nothing here by being
superusers: a body's daily work needs a membership of that body.

Each action has one function here. A page asks it whether to show the action's form, and
the action's POST view asks the same function whether to accept the post, so a form that is
not offered cannot be used by posting to its address either (tests/staff/test_isolation.py
tries every address). Whether a report is the member's body's at all is decided before any
of these, by `staff.access`: staff of another body are answered 404, as if it did not exist.
"""

from dataclasses import dataclass

from torget.accounts.models import Membership, Role, User
from torget.places.models import Body
from torget.reports.models import Report, State

RANKS: dict[str, int] = {Role.HANDLER: 1, Role.MODERATOR: 2, Role.MANAGER: 3}


@dataclass(frozen=True)
class Member:
    """A user acting for one body, in one role."""

    user: User
    body: Body
    role: str

    def at_least(self, role: Role) -> bool:
        # A role this version does not know (a row written by a later one) may nothing.
        return RANKS.get(self.role, 0) >= RANKS[role]


def members(user: User | None) -> list[Member]:
    """Every body this user acts for, by the body's name."""
    if user is None:
        return []
    rows = Membership.objects.filter(user=user).select_related("body").order_by("body__name")
    return [Member(user=user, body=row.body, role=row.role) for row in rows]


def may_use_workspace(mine: list[Member]) -> bool:
    return bool(mine)


# Handling one report of the member's body.


def may_view_report(member: Member, report: Report) -> bool:
    return member.at_least(Role.HANDLER)


def may_assign(member: Member, report: Report) -> bool:
    return member.at_least(Role.HANDLER)


def may_set_priority(member: Member, report: Report) -> bool:
    return member.at_least(Role.HANDLER)


def may_add_note(member: Member, report: Report) -> bool:
    return member.at_least(Role.HANDLER)


def may_answer(member: Member, report: Report) -> bool:
    """Answering includes setting the state; reports.actions refuses a report that is not
    public (hidden by a moderator, or never confirmed), so it is not offered."""
    return member.at_least(Role.HANDLER) and report.is_public


def may_change_category(member: Member, report: Report) -> bool:
    return member.at_least(Role.HANDLER) and report.is_public


def may_mark_duplicate(member: Member, report: Report) -> bool:
    return member.at_least(Role.HANDLER) and report.is_public and report.state != State.DUPLICATE


def may_move_pin(member: Member, report: Report) -> bool:
    return member.at_least(Role.HANDLER) and report.is_public


def may_edit(member: Member, report: Report) -> bool:
    """Editing the reporter's words (personal data, abuse) is moderation."""
    return member.at_least(Role.MODERATOR)


def may_hide(member: Member, report: Report) -> bool:
    return member.at_least(Role.MODERATOR) and report.state != State.UNCONFIRMED


def may_review_replies(member: Member) -> bool:
    """Publishing or discarding a body's reply by e-mail that waits for review."""
    return member.at_least(Role.MODERATOR)


def may_see_moderation(member: Member, report: Report) -> bool:
    """What moderators changed, and the words before, are for moderators."""
    return member.at_least(Role.MODERATOR)


def may_file_for_citizen(member: Member) -> bool:
    """Filing a report for a citizen who called or came to the desk."""
    return member.at_least(Role.HANDLER)


# Many reports at once, from the inbox.


def may_act_in_bulk(member: Member) -> bool:
    return member.at_least(Role.HANDLER)


# Running the body's workspace.


def may_manage_templates(member: Member) -> bool:
    return member.at_least(Role.MANAGER)


def may_manage_priorities(member: Member) -> bool:
    return member.at_least(Role.MANAGER)


def may_manage_targets(member: Member) -> bool:
    return member.at_least(Role.MANAGER)


def may_read_log(member: Member) -> bool:
    """The body's audit log: what its staff did, and what was done to the body's things."""
    return member.at_least(Role.MANAGER)


def may_manage_settings(member: Member) -> bool:
    return member.at_least(Role.MANAGER)
