"""Who is asking, and which of the workspace's things they may reach at all.

Every staff view starts here. A visitor who is not logged in is sent to log in; someone who
acts for no body is refused (403); a report, template or priority that is not of one of the
person's bodies is answered 404, exactly as one that does not exist, so staff of one body
learn nothing about another body's reports or private data.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext

from torget.accounts.models import User
from torget.reports.models import Report
from torget.staff.permissions import Member, may_use_workspace, members

StaffView = Callable[..., HttpResponse]


class StaffRequest(HttpRequest):
    """A request that passed `staff_only`: the user and the bodies they act for."""

    staff_user: User
    members: list[Member]


def staff_only(view: StaffView) -> StaffView:
    @wraps(view)
    def checked(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        user = request.user if isinstance(request.user, User) else None
        if user is None:
            return redirect_to_login(request.get_full_path())
        mine = members(user)
        if not may_use_workspace(mine):
            raise PermissionDenied(gettext("The workspace is for staff of a body."))
        staff_request = request  # the same object, now known to carry these
        staff_request.staff_user = user  # type: ignore[attr-defined]
        staff_request.members = mine  # type: ignore[attr-defined]
        return view(staff_request, *args, **kwargs)

    return checked


def member_for_body(request: StaffRequest, slug: str) -> Member:
    for member in request.members:
        if member.body.slug == slug:
            return member
    raise Http404


def report_for(request: StaffRequest, pk: int, body_slug: str = "") -> tuple[Report, Member]:
    """The report and the membership it is handled under: the body named by `body_slug`, or
    the first of the person's bodies that has the report. 404 when none has it."""
    report = (
        Report.objects.select_related("category__body", "reporter", "duplicate_of")
        .filter(pk=pk)
        .first()
    )
    if report is None:
        raise Http404
    having = set(report.bodies.values_list("pk", flat=True))
    for member in request.members:
        if member.body.pk in having and (not body_slug or member.body.slug == body_slug):
            return report, member
    raise Http404
