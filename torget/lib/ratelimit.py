"""Counting requests per key in the cache, for forms that a script could hammer.

A fixed window starts at a key's first hit and lasts `window_seconds`. With Redis as the cache
the counters are shared by every web process; with the local-memory cache each process counts
on its own, which still stops a single client hammering one process.
"""

import hashlib

from django.core.cache import cache


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
