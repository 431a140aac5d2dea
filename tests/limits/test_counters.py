"""Rate-limit counters: one count per key and window for every process of a site, in the
database by default and in Redis when the cache is Redis."""

import datetime
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.utils import timezone

from tests.scratch import ENGINES, environment, migrate, scratch_database
from torget.lib.config import cache_from_url
from torget.limits import counters, jobs
from torget.limits.models import Counter

REDIS_URL = os.environ.get("TORGET_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
HOUR = 3600


class Clock:
    def __init__(self) -> None:
        self.now = timezone.now()

    def advance(self, **delta: float) -> None:
        self.now += datetime.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    stopped = Clock()
    monkeypatch.setattr(timezone, "now", lambda: stopped.now)
    return stopped


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


# In the database (no shared cache configured: the default)


@pytest.mark.django_db
def test_hits_within_the_limit_pass_and_the_rest_are_refused():
    assert [counters.hit("password:kari@example.org", 2, HOUR) for _ in range(3)] == [
        True,
        True,
        False,
    ]


@pytest.mark.django_db
def test_each_key_counts_on_its_own():
    assert counters.hit("a", 1, HOUR)
    assert counters.hit("b", 1, HOUR)
    assert not counters.hit("a", 1, HOUR)


@pytest.mark.django_db
def test_a_window_that_has_ended_starts_a_new_one(clock):
    assert [counters.hit("k", 2, 60) for _ in range(3)] == [True, True, False]
    clock.advance(seconds=59)
    assert not counters.hit("k", 2, 60)

    clock.advance(seconds=1)  # the window's end: a new window starts with this hit
    assert counters.hit("k", 2, 60)
    assert Counter.objects.get().hits == 1
    # The new window lasts its full length from its first hit, not from the old one's end.
    clock.advance(seconds=59)
    assert counters.hit("k", 2, 60)
    assert not counters.hit("k", 2, 60)


@pytest.mark.django_db
def test_keys_are_kept_hashed():
    counters.hit("password:kari@example.org", 10, HOUR)
    row = Counter.objects.get()
    assert row.digest == digest("password:kari@example.org")
    assert "kari" not in str(Counter.objects.values().get())


@pytest.mark.django_db
def test_the_job_deletes_the_counters_whose_window_has_ended(clock):
    counters.hit("a minute", 10, 60)
    counters.hit("an hour", 10, HOUR)
    clock.advance(minutes=1)
    assert jobs.delete_expired_counters() == "1 expired rate-limit counters deleted"
    assert list(Counter.objects.values_list("digest", flat=True)) == [digest("an hour")]


@pytest.mark.django_db
def test_on_postgresql_a_hit_does_not_wait_for_the_write_ahead_log():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT relpersistence FROM pg_class WHERE relname = 'limits_counter'")
        assert cursor.fetchone() == ("u",)  # UNLOGGED


# Several processes at once, on a database of their own


HITS = """
import json, sys, time, datetime
from pathlib import Path
import django
django.setup()
from django.utils import timezone
from torget.limits.models import Counter
go = Path(sys.argv[1])
while not go.exists():
    time.sleep(0.01)
window = datetime.timedelta(hours=1)
print(json.dumps([Counter.objects.count_hit("d" * 64, timezone.now(), window) for _ in range(25)]))
"""
PROCESSES = 4


@pytest.fixture(params=ENGINES)
def migrated_database(request, tmp_path) -> Iterator[dict[str, str]]:
    """The environment for processes on a migrated database of their own."""
    with scratch_database(request.param, tmp_path) as url:
        env = environment(url, tmp_path)
        migrate(env)
        yield env


def test_hits_from_several_processes_at_once_are_each_counted_once(migrated_database, tmp_path):
    """The processes' hits interleave; an update lost to another process would show as two
    hits given the same count."""
    go = tmp_path / "go"
    command = [sys.executable, "-c", HITS, str(go)]
    processes = [
        subprocess.Popen(command, env=migrated_database, stdout=subprocess.PIPE, text=True)
        for _ in range(PROCESSES)
    ]
    go.touch()  # all start counting at once, once Django is loaded
    counts = []
    for process in processes:
        output, _ = process.communicate(timeout=120)
        assert process.returncode == 0
        counts += json.loads(output)
    assert sorted(counts) == list(range(1, PROCESSES * 25 + 1))


# In Redis, when the cache is Redis (TORGET_CACHE_URL=redis://...)


@pytest.fixture
def redis_cache(settings) -> Iterator[RedisCache]:
    """The cache on a Redis database of the tests' own, emptied before and after."""
    raw = redis.Redis.from_url(REDIS_URL)
    try:
        raw.flushdb()
    except redis.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL} (TORGET_TEST_REDIS_URL)")
    settings.CACHES = {"default": cache_from_url(REDIS_URL)}
    cache = caches["default"]
    assert isinstance(cache, RedisCache)
    yield cache
    raw.flushdb()


def redis_key(cache: RedisCache, key: str) -> str:
    return cache.make_and_validate_key("ratelimit:" + digest(key))


@pytest.mark.django_db
def test_with_redis_the_counts_are_kept_there_not_in_the_database(redis_cache):
    assert [counters.hit("k", 2, HOUR) for _ in range(3)] == [True, True, False]
    assert not Counter.objects.exists()
    raw = redis.Redis.from_url(REDIS_URL)
    assert int(raw.get(redis_key(redis_cache, "k")) or 0) == 3
    assert 0 < raw.ttl(redis_key(redis_cache, "k")) <= HOUR


def test_with_redis_hits_from_several_threads_at_once_are_each_counted(redis_cache):
    start = threading.Barrier(8)

    def hits(_: int) -> list[bool]:
        start.wait()
        return [counters.hit("k", 100, HOUR) for _ in range(25)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        allowed = [ok for batch in pool.map(hits, range(8)) for ok in batch]
    assert allowed.count(True) == 100
    assert int(redis.Redis.from_url(REDIS_URL).get(redis_key(redis_cache, "k")) or 0) == 200


def test_with_redis_a_window_that_has_ended_starts_a_new_one(redis_cache):
    assert [counters.hit("k", 2, 1) for _ in range(3)] == [True, True, False]
    raw = redis.Redis.from_url(REDIS_URL)
    raw.pexpire(redis_key(redis_cache, "k"), 1)  # the window ends in a millisecond
    while raw.exists(redis_key(redis_cache, "k")):
        time.sleep(0.001)
    assert counters.hit("k", 2, 1)


def test_with_redis_a_key_that_ends_just_before_incr_still_gets_an_end(redis_cache, monkeypatch):
    """RedisCache.incr asks whether the key exists, then INCRs it: a key that expired in
    between is made again by INCR without an expiry, and would have counted for ever."""
    monkeypatch.setattr(redis_cache, "add", lambda *args, **kwargs: False)  # it was there
    monkeypatch.setattr(redis.Redis, "exists", lambda self, *names: 1)  # and still was
    assert counters.count_in_cache(redis_cache, digest("k"), 60) == 1
    assert 0 < redis.Redis.from_url(REDIS_URL).ttl(redis_key(redis_cache, "k")) <= 60
