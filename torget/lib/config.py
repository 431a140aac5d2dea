"""Reading TORGET_* environment variables into Django settings.

Every setting Torget reads is named here with the prefix, so docs/deploy.md can be checked
against this module (tests/test_docs.py does).
"""

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

PREFIX = "TORGET_"
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(PREFIX + name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(PREFIX + name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{PREFIX}{name}={raw!r} is not a yes/no value (use 1 or 0).")


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(PREFIX + name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{PREFIX}{name}={raw!r} is not a number.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(PREFIX + name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def sqlite_database(path: Path) -> dict[str, Any]:
    """SQLite tuned for a web server and a worker sharing one file.

    WAL lets readers go on while one writer writes; the busy timeout makes a second writer
    wait instead of failing; IMMEDIATE takes the write lock at BEGIN, so two transactions
    never both read and then deadlock on upgrading to a write. Connections are kept for a
    minute, as for PostgreSQL: opening one and running its PRAGMAs cost the worker about
    1.3 ms per task when every task opened its own.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "CONN_MAX_AGE": 60,
        "OPTIONS": {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
        },
    }


def database_from_url(url: str, default_sqlite: Path) -> dict[str, Any]:
    if not url:
        return sqlite_database(default_sqlite)
    if url.startswith("sqlite:"):
        path = url.removeprefix("sqlite:").lstrip("/")
        return sqlite_database(Path("/" + path) if url.startswith("sqlite:////") else Path(path))
    if not url.startswith(("postgres://", "postgresql://")):
        raise ImproperlyConfigured(
            f"{PREFIX}DATABASE_URL must start with sqlite:/// or postgres://, got {url!r}."
        )
    config = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    return config


def email_from_url(url: str) -> dict[str, Any]:
    """Django's MAILERS["default"] from smtp://user:pass@host:port, smtps://... (implicit TLS),
    smtp+tls://... (STARTTLS), console:, outbox: (the demo's /dev/outbox), file:///path or
    memory:."""
    if url in ("", "console:"):
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if url == "memory:":
        return {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if url == "outbox:":
        return {"BACKEND": "torget.lib.outbox.OutboxBackend"}
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": parsed.path},
        }
    if parsed.scheme not in ("smtp", "smtps", "smtp+tls"):
        raise ImproperlyConfigured(
            f"{PREFIX}EMAIL_URL must be smtp://, smtps://, smtp+tls://, file://, console:, "
            f"outbox: or memory:, got {url!r}."
        )
    options = parse_qs(parsed.query)
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": parsed.hostname or "localhost",
            "port": parsed.port or (465 if parsed.scheme == "smtps" else 25),
            "username": unquote(parsed.username or ""),
            "password": unquote(parsed.password or ""),
            "use_ssl": parsed.scheme == "smtps",
            "use_tls": parsed.scheme == "smtp+tls",
            "timeout": float(options.get("timeout", ["20"])[0]),
        },
    }


def cache_from_url(url: str) -> dict[str, Any]:
    if not url or url == "locmem:":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if url.startswith(("redis://", "rediss://")):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if url == "dummy:":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ImproperlyConfigured(
        f"{PREFIX}CACHE_URL must be locmem:, dummy: or redis://host:port/db, got {url!r}."
    )
