"""What every Open311 view shares: the format suffix, spec errors, CORS, rate limits and the
jurisdiction.

Every view is exempt from CSRF: the API is called by other programs, which have no session
cookie for a CSRF token to protect, and a POST proves who sent it with its api_key instead.
"""

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt

from torget.lib import ratelimit
from torget.open311 import render
from torget.open311.params import ApiError, value
from torget.places.models import Body

RATE_WINDOW_SECONDS = 60

type View = Callable[..., HttpResponse]


def error_response(fmt: str, status: int, descriptions: list[str]) -> HttpResponse:
    errors = [{"code": status, "description": text} for text in descriptions]
    response = render.respond(fmt if fmt in render.FORMATS else "xml", "errors", errors, status)
    if status == 429:
        response["Retry-After"] = str(RATE_WINDOW_SECONDS)
    return response


def api(methods: tuple[str, ...]) -> Callable[[View], View]:
    """Turns ApiError into a spec error body, answers other methods with 405, counts GETs
    against the client's address and lets any web page read what a GET returns."""

    def decorate(view: View) -> View:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(
            request: HttpRequest, *args: Any, fmt: str = "xml", **kwargs: Any
        ) -> HttpResponse:
            try:
                if request.method not in methods:
                    allowed = ", ".join(methods)
                    raise ApiError(405, [gettext("Use %(methods)s here.") % {"methods": allowed}])
                if request.method == "GET":
                    limit_gets(request)
                    reject_nul(request)
                response = view(request, *args, fmt=fmt, **kwargs)
            except ApiError as error:
                response = error_response(fmt, error.status, error.descriptions)
                if error.status == 405:
                    response["Allow"] = ", ".join(methods)
            if request.method == "GET":
                response["Access-Control-Allow-Origin"] = "*"
            return response

        return wrapper

    return decorate


def limit_gets(request: HttpRequest) -> None:
    """A client reading the whole archive page by page stays well below the limit
    (TORGET_OPEN311_GETS_PER_MINUTE); a runaway loop does not."""
    limit = settings.OPEN311_GETS_PER_MINUTE
    key = "open311-get:ip:" + ratelimit.client_address(request)
    if limit and not ratelimit.hit(key, limit, RATE_WINDOW_SECONDS):
        raise ApiError(429, [gettext("Too many requests from this address; wait a minute.")])


def reject_nul(request: HttpRequest) -> None:
    """A NUL character can be neither stored nor searched for in PostgreSQL. (A POST checks
    its key first, so a client without a valid key always hears 403.)"""
    for params in (request.GET, request.POST):
        for key, values in params.lists():
            if "\x00" in key or any("\x00" in item for item in values):
                raise ApiError(400, [gettext("Parameters may not contain NUL characters.")])


def params_of(request: HttpRequest) -> QueryDict:
    """GET parameters, and for a POST the form merged over the query string: some clients
    send api_key and jurisdiction_id in the URL of a POST."""
    if request.method != "POST":
        return request.GET
    merged = request.GET.copy()
    try:
        form = request.POST
    except (MultiPartParserError, BadRequest, SuspiciousOperation):
        # Django would answer these with an HTML page; a client expects a spec error.
        raise ApiError(400, [gettext("The request body could not be read.")]) from None
    for key in form:
        merged.setlist(key, form.getlist(key))
    return merged


def jurisdiction(params: QueryDict) -> Body | None:
    """The body that jurisdiction_id names (its slug), or None for every body."""
    slug = value(params, "jurisdiction_id")
    if not slug:
        return None
    body = Body.objects.filter(slug=slug, active=True).first()
    if body is None:
        raise ApiError(404, [gettext("jurisdiction_id %(id)s is not known.") % {"id": slug[:100]}])
    return body
