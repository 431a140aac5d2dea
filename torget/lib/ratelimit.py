"""Who is asking, and the page for someone over a rate limit.

The counting itself is torget.limits.counters; it lives in an app because, without a shared
cache, its counters are rows in the database.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_address(request: HttpRequest) -> str:
    """The address of the client, for counting its requests.

    Behind TRUSTED_PROXIES proxies (TORGET_TRUSTED_PROXIES), REMOTE_ADDR is the nearest proxy,
    so every visitor would share one limit. Each trusted proxy appends the address it got the
    request from to X-Forwarded-For, so the client is the entry that many places from its
    end. Entries further left are whatever the client chose to send, and are never believed.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXIES
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    # Fewer entries than proxies: the request did not come through all of them.
    return forwarded[-hops] if len(forwarded) >= hops else remote


def refused(request: HttpRequest, template: str, window_seconds: int) -> HttpResponse:
    """The page for a visitor over a limit: 429, with how long to wait in minutes for the
    template (`minutes`) and in seconds for clients (Retry-After)."""
    context = {"minutes": window_seconds // 60}
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(window_seconds)
    return response
