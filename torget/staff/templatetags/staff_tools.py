"""The staff view of a report links to the tools that change the report itself
(staff/views/moderation.py), as far as the member's role allows, and lists its duplicates and,
for moderators, what moderators changed."""

from typing import Any

from django import template

from torget.reports.models import HeldReplyState, Report
from torget.staff import permissions
from torget.staff.permissions import Member

register = template.Library()


@register.inclusion_tag("staff/_report_tools.html")
def report_tools(report: Report, member: Member) -> dict[str, Any]:
    moderator = permissions.may_see_moderation(member, report)
    return {
        "report": report,
        "member": member,
        "may_mark_duplicate": permissions.may_mark_duplicate(member, report),
        "may_move_pin": permissions.may_move_pin(member, report),
        "may_edit": permissions.may_edit(member, report),
        "may_hide": permissions.may_hide(member, report),
        "duplicates": list(report.duplicates.order_by("created", "id")),
        "held_replies": list(
            report.held_replies.filter(body=member.body, state=HeldReplyState.WAITING)
        ),
        "may_review": permissions.may_review_replies(member),
        "moderations": list(report.moderations.select_related("author", "body"))
        if moderator
        else [],
    }
