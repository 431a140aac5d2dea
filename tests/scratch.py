"""Databases of their own for the processes a test starts (`torget serve`, scripts): a SQLite
file, or a PostgreSQL database on the server at TORGET_TEST_POSTGRES_URL. Tests that take one
of each run in the SQLite pass of `make test`, and the PostgreSQL pass leaves them out
(tests/conftest.py), so the PostgreSQL one is made whatever the suite's own database is."""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg
import pytest

TORGET = [sys.executable, "-m", "torget"]
ENGINES = ["sqlite", "postgresql"]
POSTGRES_URL = os.environ.get("TORGET_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")


def environment(database_url: str, data_dir: Path) -> dict[str, str]:
    """A production-like environment (debug off) for `torget` commands on that database."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TORGET_", "DJANGO_"))},
        "DJANGO_SETTINGS_MODULE": "torget.settings",
        "TORGET_DATABASE_URL": database_url,
        "TORGET_SECRET_KEY": "scratch-test-secret-key",
        "TORGET_EMAIL_URL": "memory:",
        "TORGET_DATA_DIR": str(data_dir),
    }


def migrate(env: dict[str, str]) -> None:
    migrated = subprocess.run([*TORGET, "migrate", "-v0"], env=env, capture_output=True)
    assert migrated.returncode == 0, migrated.stderr


def with_database(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


@contextmanager
def scratch_database(engine: str, directory: Path) -> Iterator[str]:
    """The URL of an empty database, dropped afterwards; skipped when PostgreSQL cannot be
    reached."""
    if engine == "sqlite":
        yield f"sqlite:///{directory}/scratch.sqlite3"
        return
    name = f"torget_scratch_{os.getpid()}"
    try:
        admin = psycopg.connect(with_database(POSTGRES_URL, "postgres"), autocommit=True)
    except psycopg.OperationalError:
        pytest.skip(f"PostgreSQL at {POSTGRES_URL} cannot be reached")
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield with_database(POSTGRES_URL, name)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
