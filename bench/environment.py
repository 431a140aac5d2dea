"""Django for a benchmark process: settings from TORGET_* pointing at a fresh database."""

import os
from pathlib import Path
from urllib.parse import urlparse, urlunparse

REPO_DIR = Path(__file__).resolve().parent.parent
# Shared test data lives beside the repository on every machine; it is read, never copied.
SHARED_DATA_DIR = REPO_DIR.parent / "shared" / "data"


def setup_django(database_url: str) -> None:
    """Configure torget.settings for `database_url` and migrate it.

    Settings are fixed once per process, which is why each database runs in its own
    subprocess.
    """
    os.environ["TORGET_DATABASE_URL"] = database_url
    os.environ.setdefault("TORGET_SECRET_KEY", "benchmark-only-secret-key")
    os.environ.setdefault("TORGET_EMAIL_URL", "memory:")
    # DEBUG would keep every query in memory and slow the loops down.
    os.environ["TORGET_DEBUG"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "torget.settings"

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


def maintenance_url(url: str) -> str:
    """The same server's `postgres` database, from which another database can be dropped."""
    return with_database(url, "postgres")


def with_database(url: str, name: str) -> str:
    """`url` with its database replaced by `name`."""
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


def database_name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def recreate_postgres_database(url: str) -> None:
    """Drop and create the database named in `url`, so each run starts from nothing."""
    import psycopg
    from psycopg import sql

    name = database_name(url)
    if "bench" not in name:
        # A guard against pointing the benchmark at a database someone cares about.
        raise SystemExit(
            f"Refusing to drop {name!r}: a benchmark database's name contains 'bench'."
        )
    with psycopg.connect(maintenance_url(url), autocommit=True, connect_timeout=5) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def postgres_server_version(url: str) -> str | None:
    """The server's version string, or None when it cannot be reached."""
    import psycopg

    try:
        with psycopg.connect(maintenance_url(url), connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
    except psycopg.Error:
        return None
    return str(row[0]) if row else None
