"""Counting hits per key for rate limits, one count for all the processes of a site.

A fixed window starts at a key's first hit and lasts `window_seconds`. With Redis as the cache
(TORGET_CACHE_URL=redis://…) the counters live there: INCR is atomic and costs the database
nothing, which is the choice at scale. Otherwise they are rows in the database (models.py),
counted with one atomic statement per hit, on PostgreSQL in an UNLOGGED table (see its
migration). Not in the local-memory cache: it is private to each gunicorn worker, and
counting there let a client's requests, spread over the workers, through a limit as many
times over as there are workers.

Call `hit` outside a transaction: a hit then counts even if the request fails later, and on
PostgreSQL the counter's row is not kept locked while the rest of the request runs.
"""

import datetime
import hashlib

from django.core.cache import BaseCache, caches
from django.core.cache.backends.redis import RedisCache
from django.utils import timezone

from torget.limits.models import Counter


def hit(key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit on `key` and return whether it is still within `limit` for the window."""
    # Hashed, so an e-mail address in a key is stored nowhere in clear text, and any key
    # fits the cache's rules for key characters and the column's length.
    digest = hashlib.sha256(key.encode()).hexdigest()
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        count = count_in_cache(cache, digest, window_seconds)
    else:
        window = datetime.timedelta(seconds=window_seconds)
        count = Counter.objects.count_hit(digest, timezone.now(), window)
    return count <= limit


def count_in_cache(cache: BaseCache, digest: str, window_seconds: int) -> int:
    """The hits on `digest` in its window, this one included, in a cache whose incr() is
    atomic (Redis)."""
    cache_key = "ratelimit:" + digest
    while True:
        if cache.add(cache_key, 1, timeout=window_seconds):
            return 1
        try:
            count = cache.incr(cache_key)
        except ValueError:
            continue  # the window ended between add() and incr(): this hit opens the next
        if count == 1:
            # RedisCache.incr checks that the key exists, then INCRs: a key that expired in
            # between is made again by INCR with no expiry, and would count for ever.
            cache.touch(cache_key, window_seconds)
        return count


def delete_expired() -> int:
    """Forget the counters whose window has ended (the next hit would start afresh anyway)."""
    deleted, _ = Counter.objects.expired(timezone.now()).delete()
    return deleted
