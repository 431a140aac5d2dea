"""Django settings for Torget. Every value comes from a TORGET_* environment variable;
docs/deploy.md lists them all."""

from pathlib import Path

import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from torget.lib.config import (
    cache_from_url,
    database_from_url,
    email_from_url,
    env_bool,
    env_float,
    env_list,
    env_str,
)

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("DATA_DIR", str(PACKAGE_DIR.parent / "var"))).resolve()

DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "TORGET_SECRET_KEY is not set. In production it must be a long random string, "
            "for example the output of: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'. "
            "For local development, set TORGET_DEBUG=1 instead."
        )
    SECRET_KEY = "insecure-development-key-only-used-when-TORGET_DEBUG-is-on"  # noqa: S105

BASE_URL = env_str("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "torget.mail",
    "torget.limits",
    "torget.audit",
    "torget.accounts",
    "torget.places",
    "torget.reports",
    "torget.alerts",
    "torget.delivery",
    "torget.open311",
    "torget.staff",
    "torget.site",
    "simple_history",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "torget.lib.nulbytes.NulBytesMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "torget.audit.admin_changes.AdminChangesMiddleware",
]

ROOT_URLCONF = "torget.urls"
WSGI_APPLICATION = "torget.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": database_from_url(env_str("DATABASE_URL"), DATA_DIR / "torget.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": cache_from_url(env_str("CACHE_URL"))}
# Proxies in front of Torget that append to X-Forwarded-For (lib/ratelimit.client_address).
TRUSTED_PROXIES = int(env_float("TRUSTED_PROXIES", 0))

TASKS = {
    "default": {
        "BACKEND": env_str("TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
LOGIN_LINK_MAX_AGE = int(env_float("LOGIN_LINK_MAX_AGE", 3600))
# An unconfirmed report's link works this long; then the report is gone for good.
REPORT_CONFIRMATION_DAYS = int(env_float("REPORT_CONFIRMATION_DAYS", 7))
# GETs of the Open311 API per client address and minute; 0 turns the limit off.
OPEN311_GETS_PER_MINUTE = int(env_float("OPEN311_GETS_PER_MINUTE", 600))
OPEN311_POSTS_PER_HOUR = int(env_float("OPEN311_POSTS_PER_HOUR", 60))

LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", "Norsk bokmål"), ("nn", "Norsk nynorsk"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Oslo")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(DATA_DIR / "static")))
STATICFILES_DIRS = [
    PACKAGE_DIR / "static",
    ("leaflet", xstatic.pkg.leaflet.BASE_DIR),
    ("leaflet-markercluster", xstatic.pkg.leaflet_markercluster.BASE_DIR),
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
# People's data exports: files no web server may serve, outside MEDIA_ROOT.
PRIVATE_ROOT = Path(env_str("PRIVATE_ROOT", str(DATA_DIR / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_ROOT},
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# The demo keeps every e-mail in DATA_DIR/outbox, readable at /dev/outbox. In production the
# address must be chosen: the console backend as a default would write every login link and
# confirmation link into the log, where anyone who reads the log could use them.
EMAIL_URL = env_str("EMAIL_URL")
if not EMAIL_URL and not DEBUG:
    raise ImproperlyConfigured(
        "TORGET_EMAIL_URL is not set. In production Torget must send its e-mails (login and "
        "confirmation links) through a mail server, for example "
        "TORGET_EMAIL_URL=smtp+tls://user:password@mail.example.no:587. "
        "For local development, set TORGET_DEBUG=1 instead."
    )
MAILERS = {"default": email_from_url(EMAIL_URL or "outbox:")}
OUTBOX_DIR = DATA_DIR / "outbox"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Torget <torget@localhost>")
# Replies from bodies come back to reply+<token>@REPLY_EMAIL_DOMAIN (the MTA pipes them to
# `torget inbound-email`, or a provider posts them to the webhook with INBOUND_EMAIL_SECRET).
REPLY_EMAIL_DOMAIN = env_str("REPLY_EMAIL_DOMAIN", "torget.localhost")
INBOUND_EMAIL_SECRET = env_str("INBOUND_EMAIL_SECRET")
# Who gets the daily digest of failed and stuck deliveries.
DIGEST_EMAILS = env_list("DIGEST_EMAILS", [])
# E-mails to people that were sent, or given up on, stay this many days in the admin's outbox.
MAIL_KEEP_DAYS = int(env_float("MAIL_KEEP_DAYS", 30))
# How long the e-mailed link to a person's data export works (once).
EXPORT_LINK_HOURS = env_float("EXPORT_LINK_HOURS", 72)
# The parts of the privacy notice and the accessibility statement (site/statements.py) that
# only the kommune running Torget can fill in.
CONTROLLER_NAME = env_str("CONTROLLER_NAME")
CONTROLLER_CONTACT = env_str("CONTROLLER_CONTACT")
PRIVACY_OFFICER = env_str("PRIVACY_OFFICER")
ACCESSIBILITY_CONTACT = env_str("ACCESSIBILITY_CONTACT")
ACCESSIBILITY_STATEMENT_URL = env_str("ACCESSIBILITY_STATEMENT_URL")
# Retention (lib/retention.py, docs/privacy.md): how long personal data is kept. 0 for the
# contact details keeps them until a body sets a period of its own.
KEEP_UNCONFIRMED_DAYS = int(env_float("KEEP_UNCONFIRMED_DAYS", 30))
KEEP_CONTACT_YEARS = int(env_float("KEEP_CONTACT_YEARS", 3))
KEEP_SIGN_INS_DAYS = int(env_float("KEEP_SIGN_INS_DAYS", 90))
KEEP_UNPROVEN_ACCOUNTS_DAYS = int(env_float("KEEP_UNPROVEN_ACCOUNTS_DAYS", 30))
KEEP_DELIVERY_LOG_DAYS = int(env_float("KEEP_DELIVERY_LOG_DAYS", 90))
KEEP_TASK_RESULTS_DAYS = int(env_float("KEEP_TASK_RESULTS_DAYS", 14))
# The audit log of what staff and administrators did (audit/): a year, then removed.
AUDIT_KEEP_DAYS = int(env_float("AUDIT_KEEP_DAYS", 365))
OPEN311_TIMEOUT = env_float("OPEN311_TIMEOUT", 20.0)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

GEOCODER = env_str("GEOCODER", "kartverket")
GEOCODER_TIMEOUT = env_float("GEOCODER_TIMEOUT", 4.0)
KARTVERKET_ADDRESS_URL = env_str("KARTVERKET_ADDRESS_URL", "https://ws.geonorge.no/adresser/v1")
NOMINATIM_URL = env_str("NOMINATIM_URL", "https://nominatim.openstreetmap.org")
MAP_TILES = env_str("MAP_TILES", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")

# Only scripts and styles served by Torget itself: no inline code anywhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "https:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A site served over https says so to browsers (HSTS) and sends plain-http visitors there. The
# proxy in front must tell gunicorn the request came over https (docs/deploy.md), or every
# request would be redirected again.
HTTPS = BASE_URL.startswith("https://")
SECURE_SSL_REDIRECT = env_bool("SSL_REDIRECT", default=HTTPS)
SECURE_HSTS_SECONDS = int(env_float("HSTS_SECONDS", 365 * 24 * 3600 if HTTPS else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
