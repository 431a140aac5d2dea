"""Torget's categories and reports in Open311's words: services and service requests.

Service codes are category ids, as strings: stable while a category is renamed, moved to
another group or has its slug changed, and unique across every body Torget serves.
Every field of a record is always present (None where Torget has no value), since real
clients index fields without checking. A reporter's e-mail and phone never leave here.
"""

import datetime
import re
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Substr
from django.urls import reverse

from torget.open311.params import Circle, RequestFilters, Window, local_iso
from torget.places.models import Body
from torget.reports.models import (
    CLOSED_STATES,
    FIXED_STATES,
    OPEN_STATES,
    Category,
    Photo,
    Question,
    Report,
    ReportQuerySet,
    Update,
    current_language,
)

DESCRIPTION_MAX = 4000
SERVICE_CODE = re.compile(r"[0-9]{1,18}")
# Torget's detailed states in the words of mySociety's extended statuses.
EXTENDED_STATUSES = {
    "open": "open",
    "acknowledged": "action_scheduled",
    "investigating": "investigating",
    "planned": "planned",
    "in_progress": "in_progress",
    "fixed": "fixed",
    "not_responsible": "not_councils_responsibility",
    "duplicate": "duplicate",
    "no_further_action": "no_further_action",
    "closed": "closed",
}
REQUEST_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)


def category_id(code: str) -> int | None:
    """The category id a service code names, or None when it cannot name one."""
    return int(code) if SERVICE_CODE.fullmatch(code) else None


def open311_status(state: str) -> str:
    return "open" if state in OPEN_STATES else "closed"


def absolute(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else settings.BASE_URL + url


# Services


CATEGORY_COLUMNS = (
    "id", "slug", "name_nb", "name_nn", "name_en", "group_nb", "group_nn", "group_en",
    "urgent_notice_nb", "urgent_notice_nn", "urgent_notice_en", "body__name", "body__slug",
)  # fmt: skip


def categories_for(body: Body | None) -> QuerySet[Category, dict[str, Any]]:
    categories = Category.objects.filter(active=True, body__active=True)
    if body is not None:
        categories = categories.filter(body=body)
    return categories.order_by("body__name", "name_nb", "id").values(*CATEGORY_COLUMNS)


def service_record(row: dict[str, Any], has_questions: bool, language: str) -> dict[str, Any]:
    def text(field: str) -> str:
        return str(row[f"{field}_{language}"] or row[f"{field}_nb"])

    return {
        "service_code": str(row["id"]),
        "service_name": text("name"),
        "description": text("urgent_notice") or None,
        "metadata": has_questions,
        # Most clients' requests wait for the reporter's confirmation and get a token; a
        # trusted client gets the id at once.
        "type": "batch",
        "keywords": row["slug"],
        "group": text("group") or None,
        "agency_responsible": row["body__name"],
        "jurisdiction_id": row["body__slug"],
    }


def services(body: Body | None) -> list[dict[str, Any]]:
    rows = list(categories_for(body))
    with_questions = set(Question.objects.values_list("category_id", flat=True).distinct())
    language = current_language()
    return [service_record(row, row["id"] in with_questions, language) for row in rows]


def attribute_record(question: Question) -> dict[str, Any]:
    values = [{"key": key, "name": name} for key, name in question.choices()]
    return {
        "variable": True,
        "code": question.code,
        "datatype": question.datatype,
        "required": question.required,
        "datatype_description": question.hint_text or None,
        "order": question.order,
        "description": question.text,
        "values": values,
    }


def definition(category: Category) -> dict[str, Any]:
    questions = category.questions.order_by("order", "id")
    return {
        "service_code": str(category.pk),
        "attributes": [attribute_record(question) for question in questions],
    }


# Service requests


def in_window(reports: ReportQuerySet, field: str, window: Window) -> ReportQuerySet:
    if window.start is not None:
        reports = reports.filter(**{f"{field}__gte": window.start})
    if window.end is not None:
        reports = reports.filter(**{f"{field}__lte": window.end})
    return reports


def status_filter(statuses: list[str]) -> Q:
    states: set[str] = set()
    if "open" in statuses:
        states |= OPEN_STATES
    if "closed" in statuses:
        states |= FIXED_STATES | CLOSED_STATES
    return Q(state__in=sorted(states))


def filtered_reports(filters: RequestFilters, body: Body | None) -> ReportQuerySet:
    reports = Report.objects.public()
    if body is not None:
        reports = reports.filter(category__body=body)
    if filters.ids:
        return reports.filter(pk__in=filters.ids).order_by("-created", "-id")
    if filters.service_codes:
        reports = reports.filter(category_id__in=[int(c) for c in filters.service_codes])
    if filters.statuses and set(filters.statuses) != {"open", "closed"}:
        reports = reports.filter(status_filter(filters.statuses))
    reports = in_window(reports, "created", filters.requested)
    reports = in_window(reports, "updated", filters.updated)
    if filters.bbox is not None:
        west, south, east, north = filters.bbox
        reports = reports.filter(lat__range=(south, north), lon__range=(west, east))
    if filters.circle is not None:
        reports = near(reports, filters.circle)
    return reports.order_by("-created", "-id")


def near(reports: ReportQuerySet, circle: Circle) -> ReportQuerySet:
    return reports.near(circle.lat, circle.lon, circle.metres)


# The report's own columns a record needs, read as plain values: turning a thousand rows
# into model instances, and their related rows through prefetch_related, took most of the
# time of a full page.
REPORT_COLUMNS = (
    "id", "lat", "lon", "address", "title", "detail", "state", "created", "updated", "fixed",
    "closed", "duplicate_of_id", "category_id", "category__name_nb", "category__name_nn",
    "category__name_en", "category__group_nb", "category__group_nn", "category__group_en",
)  # fmt: skip


def records_of(reports: ReportQuerySet, *, extensions: bool = False) -> list[dict[str, Any]]:
    """The records of these reports, in their order, in a fixed number of queries whatever
    their number: the reports with the body's latest answer, then their bodies and photos,
    and for the extensions their timelines and answers."""
    body_answers = Update.objects.filter(
        report=OuterRef("pk"), body__isnull=False, hidden=False
    ).order_by("-created", "-id")
    rows = list(
        reports.annotate(status_notes=Subquery(body_answers.values("text")[:1])).values(
            *REPORT_COLUMNS, "status_notes"
        )
    )
    ids = id_list([row["id"] for row in rows])
    bodies = grouped(
        Report.bodies.through.objects.filter(report_id__in=ids)
        .order_by("body__name")
        .values_list("report_id", "body__name")
    )
    own_photos = (
        Photo.objects.ready()
        .filter(report_id__in=ids, update__isnull=True)
        .order_by("position", "id")
        .values_list("report_id", "image", "medium")
    )
    photos = grouped(
        (report_id, photo_url(image, medium)) for report_id, image, medium in own_photos
    )
    language = current_language()
    records = [record_of(row, bodies, photos, language) for row in rows]
    if extensions:
        add_extensions(records, rows, photos)
    return records


def id_list(ids: list[int]) -> RawSQL | list[int]:
    """Ids for `__in`, written into the SQL: they are integers the database just returned,
    and preparing a thousand of them one by one as parameters cost more than the query."""
    if not ids:
        return []
    return RawSQL(",".join(str(int(i)) for i in ids), [])  # noqa: S611 (integers only)


def grouped(pairs: Any) -> dict[int, list[Any]]:
    groups: dict[int, list[Any]] = {}
    for key, item in pairs:
        groups.setdefault(key, []).append(item)
    return groups


def photo_url(image: str, medium: str) -> str:
    return absolute(default_storage.url(medium or image))


def translated(row: dict[str, Any], field: str, language: str) -> str:
    return str(row[f"category__{field}_{language}"] or row[f"category__{field}_nb"])


def record_of(
    row: dict[str, Any],
    bodies: dict[int, list[str]],
    photos: dict[int, list[str]],
    language: str,
) -> dict[str, Any]:
    report_photos = photos.get(row["id"])
    return {
        "service_request_id": str(row["id"]),
        "status": open311_status(row["state"]),
        "status_notes": row["status_notes"] or None,
        "service_name": translated(row, "name", language),
        "service_code": str(row["category_id"]),
        "description": description_of(row["title"], row["detail"]),
        "agency_responsible": ", ".join(bodies.get(row["id"], ())) or None,
        "service_notice": None,
        "requested_datetime": local_iso(row["created"]),
        # The spec: for a closed request, the time it was closed.
        "updated_datetime": local_iso(row["fixed"] or row["closed"] or row["updated"]),
        "expected_datetime": None,
        "address": row["address"] or None,
        "address_id": None,
        "zipcode": None,
        "lat": row["lat"],
        "long": row["lon"],
        "media_url": report_photos[0] if report_photos else None,
    }


def description_of(title: str, detail: str) -> str:
    """The title and the details, once: requests filed here have the title taken from the
    start of the description, so it is not repeated."""
    title, detail = title.strip(), detail.strip()
    if not detail or detail == title:
        text = title
    elif detail.startswith(title.rstrip("…")):
        text = detail
    else:
        text = f"{title}\n\n{detail}"
    return text[:DESCRIPTION_MAX]


def add_extensions(
    records: list[dict[str, Any]], rows: list[dict[str, Any]], photos: dict[int, list[str]]
) -> None:
    """extended_attributes and notes: the timeline says which body answered, never who
    wrote."""
    ids = id_list([row["id"] for row in rows])
    timelines = grouped(
        (report_id, note(created, text, new_state, body_name))
        for report_id, created, text, new_state, body_name in Update.objects.filter(
            report_id__in=ids, hidden=False
        )
        .order_by("created", "id")
        .values_list(
            "report_id", "created", Substr("text", 1, DESCRIPTION_MAX), "new_state", "body__name"
        )
    )
    answers = dict(Report.objects.filter(pk__in=ids).values_list("pk", "answers"))
    for record, row in zip(records, rows, strict=True):
        record["extended_attributes"] = {
            "title": row["title"],
            "detail": row["detail"],
            "detailed_status": EXTENDED_STATUSES.get(row["state"], row["state"]),
            "group": translated(row, "group", current_language()) or None,
            "url": absolute(reverse("reports:detail", args=[row["id"]])),
            "duplicate_of": str(row["duplicate_of_id"]) if row["duplicate_of_id"] else None,
            "photos": photos.get(row["id"], []),
            "attributes": [
                {"code": code, "value": ", ".join(v) if isinstance(v, list) else str(v)}
                for code, v in answers.get(row["id"], {}).items()
            ],
        }
        record["notes"] = timelines.get(row["id"], [])


def note(
    created: datetime.datetime, text: str, new_state: str, body_name: str | None
) -> dict[str, Any]:
    return {
        "datetime": local_iso(created),
        "type": "answer" if body_name else "comment",
        "description": text,
        "agency": body_name,
        "status": EXTENDED_STATUSES.get(new_state) if new_state else None,
    }
