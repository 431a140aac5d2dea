"""My page: the reports I made, the updates I wrote and the reports I support."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from torget.accounts.models import User
from torget.reports.models import Report, Support, Update

PAGE_SIZE = 20


@require_safe
@login_required
def my(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    user = request.user
    reports = Report.objects.filter(reporter=user).select_related("category")
    # Entries on reports a moderator has hidden stay out, as the reports themselves do.
    updates = Update.objects.filter(author=user, report__hidden=False).select_related(
        "report", "body"
    )
    supports = Support.objects.filter(user=user, report__hidden=False).select_related("report")
    context = {
        "reports": section(request, "reports", reports.order_by("-created", "-id")),
        "updates": section(request, "updates", updates.order_by("-created", "-id")),
        "supports": section(request, "supports", supports.order_by("-created", "-id")),
    }
    return render(request, "reports/my.html", context)


def section(request: HttpRequest, name: str, items: QuerySet[Any]) -> dict[str, Any]:
    """One list's page, from ?<name>=N, with links that keep the other lists where they are."""
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get(name))

    def url_of(number: int) -> str:
        query = request.GET.copy()
        query[name] = str(number)
        return f"?{query.urlencode()}#{name}"

    return {
        "page": page,
        "previous_url": url_of(page.previous_page_number()) if page.has_previous() else "",
        "next_url": url_of(page.next_page_number()) if page.has_next() else "",
    }
