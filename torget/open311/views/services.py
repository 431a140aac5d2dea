"""Discovery, the service list and service definitions."""

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import get_language, gettext

from torget.open311 import records, render
from torget.open311.params import ApiError, local_iso
from torget.open311.views.common import api, jurisdiction
from torget.places.models import Body
from torget.reports.models import Category, Question

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# The service list changes when an administrator edits a category; clients re-read it on
# their own schedule, so a minute's delay costs nothing and saves building the list for
# every body on every call.
SERVICES_CACHE_SECONDS = 60
# The changeset when no extra question was ever edited: the day this API appeared.
FIRST_CHANGESET = "2026-11-28T00:00:00+01:00"


@api(("GET",))
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    changed = Question.objects.aggregate(last=Max("updated"))["last"]
    changeset = local_iso(changed) if changed else FIRST_CHANGESET
    base = settings.BASE_URL + reverse("open311:home") + "v2"
    data = {
        "changeset": changeset,
        "contact": settings.DEFAULT_FROM_EMAIL,
        "key_service": gettext(
            "Ask the people running this Torget for an API key: %(url)s. Reading needs no key."
        )
        % {"url": settings.BASE_URL + reverse("open311:home")},
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render.respond(fmt, "discovery", data)


@api(("GET",))
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    body = jurisdiction(request.GET)
    key = f"open311:services:{body.pk if body else 'all'}:{fmt}:{get_language()}"
    content = cache.get(key)
    if content is None:
        content = render.respond(fmt, "services", records.services(body)).content
        cache.set(key, content, SERVICES_CACHE_SECONDS)
    content_type = render.JSON_CONTENT_TYPE if fmt == "json" else render.XML_CONTENT_TYPE
    return HttpResponse(content, content_type=content_type)


@api(("GET",))
def definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    body = jurisdiction(request.GET)
    category = service_named(code, body)
    return render.respond(fmt, "service_definition", records.definition(category))


def service_named(code: str, body: Body | None) -> Category:
    categories = Category.objects.filter(active=True, body__active=True)
    if body is not None:
        categories = categories.filter(body=body)
    pk = records.category_id(code)
    category = categories.filter(pk=pk).first() if pk is not None else None
    if category is None:
        raise ApiError(404, [gettext("service_code %(code)s is not known.") % {"code": code[:100]}])
    return category
