"""Settings from TORGET_* variables, checked in fresh processes as production would read them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from torget.lib.config import cache_from_url, database_from_url, email_from_url, env_bool


def run_python(code, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TORGET_", "DJANGO_"))}
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "torget.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_missing_secret_key_in_production_is_a_clear_start_up_error(tmp_path):
    result = run_python("import django; django.setup()", TORGET_DATA_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "TORGET_SECRET_KEY is not set" in result.stderr


def test_debug_is_off_unless_asked_for(tmp_path):
    result = run_python(
        "from django.conf import settings; print(settings.DEBUG)",
        TORGET_SECRET_KEY="x" * 50,
        TORGET_EMAIL_URL="memory:",
        TORGET_DATA_DIR=str(tmp_path),
    )
    assert result.stdout.strip() == "False"


def test_without_an_email_url_production_refuses_to_start(tmp_path):
    """The console backend, the old default, would write every login link into the log."""
    result = run_python(
        "import django; django.setup()", TORGET_SECRET_KEY="x" * 50, TORGET_DATA_DIR=str(tmp_path)
    )
    assert result.returncode != 0
    assert "TORGET_EMAIL_URL is not set" in result.stderr


def test_debug_without_an_email_url_keeps_mail_in_the_demo_outbox(tmp_path):
    result = run_python(
        "from django.conf import settings; print(settings.MAILERS['default']['BACKEND'])",
        TORGET_DEBUG="1",
        TORGET_DATA_DIR=str(tmp_path),
    )
    assert result.stdout.strip() == "torget.lib.outbox.OutboxBackend", result.stderr


PRODUCTION = {"TORGET_SECRET_KEY": "x" * 50, "TORGET_EMAIL_URL": "memory:"}
# A request through the whole middleware stack, with no database needed: the redirect comes
# first, and a page that does not exist still passes the security middleware on its way out.
REQUESTS = (
    "import django; django.setup()\n"
    "from django.test import Client\n"
    "plain = Client().get('/no-such-page')\n"
    "print(plain.status_code, plain.headers.get('Location'))\n"
    "secure = Client().get('/no-such-page', secure=True)\n"
    "print(secure.headers.get('Strict-Transport-Security'))\n"
)


def test_an_https_base_url_turns_on_hsts_and_the_redirect_to_https(tmp_path):
    result = run_python(
        REQUESTS,
        **PRODUCTION,
        TORGET_BASE_URL="https://torget.example.no",
        TORGET_ALLOWED_HOSTS="testserver",
        TORGET_DATA_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    redirect, hsts = result.stdout.splitlines()
    assert redirect == "301 https://testserver/no-such-page"
    assert hsts == "max-age=31536000"


def test_hsts_and_the_redirect_can_be_set_with_torget_variables(tmp_path):
    result = run_python(
        REQUESTS,
        **PRODUCTION,
        TORGET_BASE_URL="https://torget.example.no",
        TORGET_ALLOWED_HOSTS="testserver",
        TORGET_SSL_REDIRECT="0",
        TORGET_HSTS_SECONDS="600",
        TORGET_HSTS_INCLUDE_SUBDOMAINS="1",
        TORGET_HSTS_PRELOAD="1",
        TORGET_DATA_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    not_redirected, hsts = result.stdout.splitlines()
    assert not_redirected == "404 None"
    assert hsts == "max-age=600; includeSubDomains; preload"


def test_a_plain_http_base_url_has_no_hsts_and_no_redirect(tmp_path):
    result = run_python(
        REQUESTS,
        **PRODUCTION,
        TORGET_BASE_URL="http://torget.internal",
        TORGET_ALLOWED_HOSTS="testserver",
        TORGET_DATA_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["404 None", "None"]


def test_the_default_database_is_sqlite_in_wal_mode_with_immediate_transactions(tmp_path):
    code = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])\n"
        "    c.execute('PRAGMA busy_timeout'); print(c.fetchone()[0])\n"
        "print(connection.transaction_mode, connection.settings_dict['NAME'])\n"
    )
    result = run_python(code, TORGET_DEBUG="1", TORGET_DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    journal, timeout, last = result.stdout.split("\n")[:3]
    assert journal == "wal"
    assert int(timeout) >= 5000
    assert last == f"IMMEDIATE {tmp_path}/torget.sqlite3"


def test_a_postgres_url_selects_postgresql():
    config = database_from_url(
        "postgres://torget:secret@db.example:5433/torget", default_sqlite=None
    )
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.example", 5433, "torget")


def test_an_unknown_database_url_is_refused():
    with pytest.raises(ImproperlyConfigured, match="TORGET_DATABASE_URL must start with"):
        database_from_url("mysql://x@y/z", default_sqlite=Path("unused"))


def test_an_smtp_url_gives_host_port_credentials_and_tls():
    mailer = email_from_url("smtp+tls://user%40x:p%40ss@mail.example:587?timeout=5")
    assert mailer["OPTIONS"] == {
        "host": "mail.example",
        "port": 587,
        "username": "user@x",
        "password": "p@ss",
        "use_ssl": False,
        "use_tls": True,
        "timeout": 5.0,
    }


@pytest.mark.parametrize("url", ["ftp://x", "mail", "http://mail.example"])
def test_a_bad_email_url_is_refused(url):
    with pytest.raises(ImproperlyConfigured, match="TORGET_EMAIL_URL must be"):
        email_from_url(url)


def test_a_redis_cache_url_selects_redis():
    assert cache_from_url("redis://127.0.0.1:6379/1")["BACKEND"].endswith("RedisCache")
    with pytest.raises(ImproperlyConfigured):
        cache_from_url("memcached://x")


def test_yes_no_settings_reject_nonsense(monkeypatch):
    monkeypatch.setenv("TORGET_DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="TORGET_DEBUG='maybe' is not a yes/no value"):
        env_bool("DEBUG")
