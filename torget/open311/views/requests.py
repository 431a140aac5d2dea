"""Reading service requests: the list with its filters, one request, a token's request, and
mySociety's servicerequestupdates."""

from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext

from torget.open311 import params, records, render
from torget.open311.models import Submission
from torget.open311.params import ApiError
from torget.open311.views.common import api, jurisdiction
from torget.open311.views.submit import submit
from torget.places.models import Body
from torget.reports.models import Category, Photo, Report, Update, UpdateQuerySet


@api(("GET", "POST"))
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return submit(request, fmt)
    body = jurisdiction(request.GET)
    filters = params.request_filters(request.GET)
    check_service_codes(filters.service_codes)
    start = (filters.page - 1) * filters.page_size
    reports = records.filtered_reports(filters, body)
    page = reports[start : start + filters.page_size]
    data = records.records_of(page, extensions=filters.extensions)
    return render.respond(fmt, "service_requests", data)


def check_service_codes(codes: list[str]) -> None:
    ids = [records.category_id(code) for code in codes]
    known = set(
        Category.objects.filter(pk__in=[i for i in ids if i is not None]).values_list(
            "pk", flat=True
        )
    )
    unknown = [code for code, pk in zip(codes, ids, strict=True) if pk not in known]
    if unknown:
        raise ApiError(
            400,
            [
                gettext("service_code %(code)s is not known.") % {"code": code[:100]}
                for code in unknown
            ],
        )


@api(("GET",))
def one_request(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    body = jurisdiction(request.GET)
    read = params.Collector(request.GET)
    extensions = read.flag("extensions")
    read.fail_if_any()
    reports = Report.objects.public()
    if body is not None:
        reports = reports.filter(category__body=body)
    found = []
    if records.SERVICE_CODE.fullmatch(request_id):
        found = records.records_of(reports.filter(pk=int(request_id)), extensions=extensions)
    if not found:
        raise ApiError(
            404, [gettext("service_request_id %(id)s is not known.") % {"id": request_id[:100]}]
        )
    return render.respond(fmt, "service_requests", found)


@api(("GET",))
def token(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    """The request a token stands for. Until the reporter confirms it there is no public id
    yet: the answer is the token with an empty service_request_id, which clients read as
    "still processing"."""
    jurisdiction(request.GET)
    submission = Submission.objects.select_related("report").filter(token=token).first()
    if submission is None:
        raise ApiError(404, [gettext("token %(token)s is not known.") % {"token": token[:100]}])
    report = submission.report
    request_id = str(report.pk) if report.is_public else None
    return render.respond(
        fmt, "service_requests", [{"service_request_id": request_id, "token": token}]
    )


@api(("GET",))
def updates(request: HttpRequest, fmt: str) -> HttpResponse:
    """mySociety's servicerequestupdates: the public timeline entries written in a window
    (by default the last 90 days), oldest first. api_key is accepted and not needed."""
    body = jurisdiction(request.GET)
    filters = params.update_filters(request.GET)
    found = public_updates(filters.window, body)
    start = (filters.page - 1) * filters.page_size
    data = [update_record(update) for update in found[start : start + filters.page_size]]
    return render.respond(fmt, "service_request_updates", data)


def public_updates(window: params.Window, body: Body | None) -> UpdateQuerySet:
    updates = Update.objects.public()
    if window.start is not None:
        updates = updates.filter(created__gte=window.start)
    if window.end is not None:
        updates = updates.filter(created__lte=window.end)
    if body is not None:
        updates = updates.filter(Q(report__category__body=body))
    return (
        updates.select_related("report")
        .prefetch_related(Prefetch("photos", queryset=Photo.objects.ready()))
        .only("id", "text", "new_state", "created", "report__id", "report__state")
        .order_by("created", "id")
    )


def update_record(update: Update) -> dict[str, object]:
    state = update.new_state or update.report.state
    photos: list[Photo] = list(update.photos.all())
    return {
        "update_id": str(update.pk),
        "service_request_id": str(update.report_id),
        "status": records.EXTENDED_STATUSES.get(state, records.open311_status(state)),
        "updated_datetime": params.local_iso(update.created),
        "description": update.text[: records.DESCRIPTION_MAX],
        "media_url": records.absolute(photos[0].image.url) if photos else None,
    }
