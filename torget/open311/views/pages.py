"""The pages around the API: the OpenAPI document, the page for people, and the answer for
any other address under v2/."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from torget.open311 import openapi
from torget.open311.models import ApiKey
from torget.open311.views.common import error_response
from torget.reports.models import Category


@require_GET
def openapi_document(request: HttpRequest) -> HttpResponse:
    response = JsonResponse(openapi.document(), json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    base = settings.BASE_URL + reverse("open311:home") + "v2/"
    example = Category.objects.filter(active=True, body__active=True).select_related("body").first()
    context = {
        "base": base,
        "example": example,
        "clients": ApiKey.objects.usable().count(),
    }
    return render(request, "open311/home.html", context)


@csrf_exempt
def not_found(request: HttpRequest, rest: str) -> HttpResponse:
    fmt = "json" if rest.endswith(".json") else "xml"
    return error_response(fmt, 404, [gettext("There is no such resource in this API.")])
