"""The staff workspace's pages. Each view is wrapped in `access.staff_only` and asks
staff/permissions.py before it shows or accepts a form; writes go through staff/actions.py
(and reports.actions for the report itself)."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from torget.staff import inbox
from torget.staff.access import StaffRequest, staff_only


@require_safe
@staff_only
def inbox_page(request: StaffRequest) -> HttpResponse:
    form = inbox.InboxForm(request.GET or None, members=request.members, user=request.staff_user)
    if request.GET and not form.is_valid():
        return render(request, "staff/inbox.html", {"form": form, "page": None}, status=400)
    if not request.GET:
        form = inbox.InboxForm({}, members=request.members, user=request.staff_user)
        form.is_valid()
    after = request.GET.get("after", "")
    page = inbox.page(
        inbox.handlings(form),
        form.cleaned_data.get("sort") or "newest",
        int(after) if after.isdigit() and len(after) < 19 else None,
    )
    context = {"form": form, "page": page, "counts": inbox.counts(form)}
    return render(request, "staff/inbox.html", context)
