"""Counting requests per key in the cache, for forms that a script could hammer.

A fixed window starts at a key's first hit and lasts `window_seconds`. With Redis as the cache
the counters are shared by every web process; with the local-memory cache each process counts
on its own, which still stops a single client hammering one process.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def hit(key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit on `key` and return whether it is still within `limit` for the window."""
    # Hashed, so an e-mail address in a key is neither stored in the cache in clear text nor
    # able to break a backend's rules for key characters.
    cache_key = "ratelimit:" + hashlib.sha256(key.encode()).hexdigest()
    cache.add(cache_key, 0, timeout=window_seconds)
    try:
        count = cache.incr(cache_key)
    except ValueError:
        # The window expired between add() and incr(): this hit opens a new one.
        cache.set(cache_key, 1, timeout=window_seconds)
        count = 1
    return count <= limit


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
