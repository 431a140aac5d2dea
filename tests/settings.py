"""Settings for the test suite: torget.settings with a fixed key and fast hashing.

The database comes from TORGET_DATABASE_URL as in production, so `make test` runs the same
suite on SQLite and on PostgreSQL.
"""

import os
import tempfile

os.environ.setdefault("TORGET_SECRET_KEY", "test-suite-secret-key-not-for-production")
os.environ.setdefault("TORGET_EMAIL_URL", "memory:")

from pathlib import Path

from torget.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
GEOCODER = "offline"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "private": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
}
# An empty, existing directory, so whitenoise has nothing to warn about.
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="torget-static-"))
