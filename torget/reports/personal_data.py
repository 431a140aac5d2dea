"""What reports holds about a person, for their export (accounts/handlers.py): the reports
they made, their updates with the photos of both, and the problems they have too."""

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from torget.accounts.handlers import ExportPart, Scope
from torget.accounts.models import User
from torget.lib.emails import absolute
from torget.reports.models import Photo, Report, Support, Update


def within(rows: QuerySet[Any], scope: Scope, path: str = "") -> QuerySet[Any]:
    """The rows on the reports of the scope's body (`path` leads from a row to its report)."""
    if scope.everything:
        return rows
    return rows.filter(**{f"{path}bodies": scope.body_id}).distinct()


def export_parts(user: User, scope: Scope) -> list[ExportPart]:
    reports = within(Report.objects.filter(reporter=user), scope).select_related("category")
    updates = within(Update.objects.filter(author=user), scope, "report__")
    supports = within(Support.objects.filter(user=user), scope, "report__")
    # The photos as the worker made them; one still being made has no file yet.
    photos = (
        Photo.objects.filter(report__in=reports, update=None)
        | Photo.objects.filter(update__in=updates)
    ).ready()
    by_owner: dict[tuple[str, int], list[str]] = {}
    files = []
    for photo in photos.order_by("pk"):
        name = f"photos/{photo.report_id}-{photo.pk}.jpg"
        key = ("update", photo.update_id) if photo.update_id else ("report", photo.report_id)
        by_owner.setdefault(key, []).append(name)
        files.append((name, photo.image.storage, str(photo.image.name)))
    return [
        ExportPart("reports", [report_record(r, by_owner) for r in reports.order_by("pk")], files),
        ExportPart("updates", [update_record(u, by_owner) for u in updates.order_by("pk")]),
        ExportPart(
            "supports",
            [
                {"report": s.report_id, "title": s.report.title, "created": s.created}
                for s in supports.select_related("report").order_by("pk")
            ],
        ),
    ]


def report_record(report: Report, photos: dict[tuple[str, int], list[str]]) -> dict[str, Any]:
    return {
        "id": report.pk,
        "url": absolute(reverse("reports:detail", args=[report.pk])),
        "title": report.title,
        "detail": report.detail,
        "category": report.category.name,
        "address": report.address,
        "lat": report.lat,
        "lon": report.lon,
        "state": report.state,
        "hidden": report.hidden,
        "your_name_given": report.reporter_name,
        "your_phone_given": report.reporter_phone,
        "name_shown": report.show_name,
        "answers": report.answers,
        "created": report.created,
        "confirmed": report.confirmed,
        "fixed": report.fixed,
        "closed": report.closed,
        "photos": photos.get(("report", report.pk), []),
    }


def update_record(update: Update, photos: dict[tuple[str, int], list[str]]) -> dict[str, Any]:
    return {
        "id": update.pk,
        "report": update.report_id,
        "text": update.text,
        "new_state": update.new_state,
        "name_shown": update.show_name,
        "hidden": update.hidden,
        "created": update.created,
        "photos": photos.get(("update", update.pk), []),
    }


def referenced() -> list[QuerySet[Any, Any]]:
    """The accounts that reports, updates and supports name."""
    return [
        Report.objects.filter(reporter__isnull=False).values("reporter_id"),
        Update.objects.filter(author__isnull=False).values("author_id"),
        Support.objects.values("user_id"),
    ]
