"""What every Open311 view shares: the format suffix, spec errors, CORS, rate limits and the
jurisdiction.

Every view is exempt from CSRF: the API is called by other programs, which have no session
cookie for a CSRF token to protect, and a POST proves who sent it with its api_key instead.
"""

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt

from torget.lib import ratelimit
from torget.lib.nulbytes import refused_as
from torget.limits import counters
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
        @refused_as(spec_refusal)
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


def spec_refusal(request: HttpRequest, kwargs: dict[str, Any], message: str) -> HttpResponse:
    """A request the NUL check refused (torget.lib.nulbytes), as a spec error."""
    return error_response(kwargs.get("fmt", "xml"), 400, [message])


def limit_gets(request: HttpRequest) -> None:
    """A client reading the whole archive page by page stays well below the limit
    (TORGET_OPEN311_GETS_PER_MINUTE); a runaway loop does not."""
    limit = settings.OPEN311_GETS_PER_MINUTE
    key = "open311-get:ip:" + ratelimit.client_address(request)
    if limit and not counters.hit(key, limit, RATE_WINDOW_SECONDS):
        raise ApiError(429, [gettext("Too many requests from this address; wait a minute.")])


def params_of(request: HttpRequest) -> QueryDict:
    """GET parameters, and for a POST the form merged over the query string: some clients
    send api_key and jurisdiction_id in the URL of a POST."""
    if request.method != "POST":
        return request.GET
    merged = request.GET.copy()
    # A body that cannot be parsed was refused before the view, with a spec error
    # (torget.lib.nulbytes and spec_refusal).
    form = request.POST
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
