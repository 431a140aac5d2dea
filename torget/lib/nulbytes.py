"""Requests with a NUL character are refused, before any view sees them.

A NUL is never part of text a person writes. PostgreSQL can neither store one in a text column
nor compare with one (psycopg refuses the query), so a NUL that reached a lookup or a save was
a 500 on one database and stored garbage on the other. One check here, for the path, the query
string and form fields, answers 400 on both. (Django's parser already drops every unprintable
character from the names of uploaded files.)
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.multipartparser import MultiPartParserError
from django.urls import Resolver404, resolve
from django.utils.translation import gettext

NUL = "\x00"

type View = Callable[..., HttpResponse]
# How a view's clients are told "400, and why": (request, the view's URL arguments, message).
type Refusal = Callable[[HttpRequest, dict[str, Any], str], HttpResponse]


def nul_allowed_in_form[V: View](view: V) -> V:
    """For a view that takes a form field whose value is not text to store as it is (a raw
    e-mail in the inbound webhook, which drops NULs itself). Path and query still count."""
    view.nul_allowed_in_form = True  # type: ignore[attr-defined]
    return view


def refused_as[V: View](refusal: Refusal) -> Callable[[V], V]:
    """For a view whose clients expect errors in a format of their own (Open311's)."""

    def mark(view: V) -> V:
        view.nul_refusal = refusal  # type: ignore[attr-defined]
        return view

    return mark


class NulBytesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path_info or has_nul(request.GET.lists()):
            view, kwargs = resolved(request)
            message = gettext(
                "Bad request: the address contains a NUL character (a zero byte), which is "
                "never part of text. Nothing was done."
            )
            return refuse(request, view, kwargs, message)
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: View, args: Any, kwargs: dict[str, Any]
    ) -> HttpResponse | None:
        """Forms are read here, once the view is known, so that a view may take NULs in its
        form; reading them before the view also means a body that cannot be parsed is a 400
        here rather than an empty form later."""
        if request.method != "POST" or getattr(view, "nul_allowed_in_form", False):
            return None
        try:
            form = request.POST
        except (MultiPartParserError, BadRequest, SuspiciousOperation, OSError):
            message = gettext("Bad request: the request body could not be read.")
            return refuse(request, view, kwargs, message)
        if has_nul(form.lists()):
            message = gettext(
                "Bad request: the form contains a NUL character (a zero byte), which is "
                "never part of text. Nothing was saved."
            )
            return refuse(request, view, kwargs, message)
        return None


def has_nul(items: Iterable[tuple[str, list[str]]]) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in items)


def resolved(request: HttpRequest) -> tuple[View | None, dict[str, Any]]:
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return None, {}
    return match.func, match.kwargs


def refuse(
    request: HttpRequest, view: View | None, kwargs: dict[str, Any], message: str
) -> HttpResponse:
    """In the view's own error format if it has one, else plain text, which browsers and
    scripts alike can read."""
    refusal: Refusal | None = getattr(view, "nul_refusal", None)
    if refusal is not None:
        return refusal(request, kwargs, message)
    return HttpResponseBadRequest(message + "\n", content_type="text/plain; charset=utf-8")
