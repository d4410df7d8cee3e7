"""Settings for Prevent Compliance, read from the environment (see .env.example)."""

import re
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from decisions import integrity as _integrity

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _refuse(message: str) -> ImproperlyConfigured:
    """A start-up error that names its variable, printed as one line instead of a traceback
    when nothing catches it (gunicorn still logs it and stops: "Worker failed to boot")."""
    error = ImproperlyConfigured(message)
    error.one_line = True
    previous_hook = sys.excepthook

    def hook(kind, value, traceback):
        if getattr(value, "one_line", False):
            sys.stderr.write(f"ImproperlyConfigured: {value}\n")
        else:
            previous_hook(kind, value, traceback)

    sys.excepthook = hook
    return error


DEBUG = env.bool("DEBUG", default=False)
# Building the static files (a deploy or image-build step) serves nothing, signs nothing and
# links to nothing, so it is not refused for the secrets only a running service needs: the
# strength of SECRET_KEY, DECISION_SEAL_KEYS and SITE_URL. Every other command, gunicorn and
# the worker still refuse to start without them.
_STATIC_BUILD = Path(sys.argv[0]).name in {"manage.py", "django-admin"} and sys.argv[1:2] == [
    "collectstatic"
]
_DEVELOPMENT_SECRET_KEY = "insecure-local-development-key-not-for-production"  # noqa: S105

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default=_DEVELOPMENT_SECRET_KEY)
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
else:
    # Production must be configured explicitly: no default key, no open host list.
    SECRET_KEY = env.str("SECRET_KEY", default="")
    if not SECRET_KEY:
        raise _refuse(
            "SECRET_KEY must be set when DEBUG is off (set DEBUG=on for local development; "
            "see .env.example)."
        )
    if not _STATIC_BUILD and (
        len(SECRET_KEY) < 50
        or len(set(SECRET_KEY)) < 5
        or SECRET_KEY.startswith("django-insecure-")
        or SECRET_KEY == _DEVELOPMENT_SECRET_KEY
    ):
        raise _refuse(
            "SECRET_KEY is too weak: use at least 50 random characters, for example from "
            'python -c "import secrets; print(secrets.token_urlsafe(50))".'
        )
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
    if not ALLOWED_HOSTS:
        raise _refuse("ALLOWED_HOSTS must list at least one host name when DEBUG is off.")
# Host names as Django matches them: no scheme, path or port ("prevent.opcc.example",
# ".opcc.example" for every subdomain, an IPv4 address, "[::1]" or "*").
_HOST_PATTERN = re.compile(r"^(\*|\.?[a-z0-9-]+(\.[a-z0-9-]+)*\.?|\[[0-9a-f:.]+\])$", re.I)
if bad_hosts := [host for host in ALLOWED_HOSTS if not _HOST_PATTERN.match(host)]:
    raise _refuse(
        f"ALLOWED_HOSTS has an entry that is not a host name: {bad_hosts[0]!r} (list names "
        "separated by commas, without https:// or a port, e.g. prevent.opcc.example)."
    )

# Keys that seal signed decision records (HMAC-SHA256; decisions/integrity.py), kept out of the
# database and apart from SECRET_KEY: "v2:<hex or base64>,v1:<old key>", the first seals and
# every one verifies (README: "The decision seal"). DEBUG alone has a public development key.
DECISION_SEAL_KEYS = env.str("DECISION_SEAL_KEYS", default="")
# The public address of the service: every absolute link (the open-data feeds) starts with
# it, never with the Host header of a request.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
if DEBUG and not DECISION_SEAL_KEYS:
    DECISION_SEAL_KEYS = _integrity.DEVELOPMENT_SEAL_KEYS
if not _STATIC_BUILD:
    for _name, _value in (("DECISION_SEAL_KEYS", DECISION_SEAL_KEYS), ("SITE_URL", SITE_URL)):
        if not _value:
            raise _refuse(f"{_name} must be set when DEBUG is off (see .env.example).")
    try:
        _integrity.parse_seal_keys(DECISION_SEAL_KEYS, secret_key=SECRET_KEY, production=not DEBUG)
    except ImproperlyConfigured as exc:
        raise _refuse(str(exc)) from None
    _site = urlsplit(SITE_URL)
    if _site.scheme not in {"http", "https"} or not _site.hostname or _site.query or _site.fragment:
        raise _refuse("SITE_URL must be an address such as https://prevent.opcc.example.")

INSTALLED_APPS = [
    # The stock admin, with a site that asks for two-factor authentication (admin_site.py).
    "prevent_compliance.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_forms_gds",
    "django_filters",
    "rules.apps.AutodiscoverRulesConfig",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "prevent_compliance",
    "toolkit",
    # Training records (people, courses, completions), inside the toolkit package.
    "toolkit.training.apps.TrainingConfig",
    # The annual-review PDF made in the background (jobs, progress, public versions).
    "toolkit.reports.apps.ReportsConfig",
    "decisions",
    # Register of interests and gifts and hospitality, inside the decisions package.
    "decisions.interests.apps.InterestsConfig",
    # Meetings, the forward plan and the publication scheme, inside the decisions package.
    "decisions.meetings.apps.MeetingsConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Cache-Control when a view sets none: "private, no-store", or a short public lifetime for
    # an anonymous visitor's public page. Outside the session middleware, to see its cookies.
    "prevent_compliance.middleware.CacheControlMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "prevent_compliance.accounts.middleware.IdleSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Sets request.user.is_verified() once a one-time code has been accepted this session.
    "django_otp.middleware.OTPMiddleware",
    # Every view needs a signed-in user unless it is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Then a one-time code before any page, for those who need one (accounts/middleware.py).
    "prevent_compliance.accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "prevent_compliance.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                # Replaces auth's `perms` with one that asks the role rules (no superuser pass).
                "prevent_compliance.rules.role_perms",
                "django.contrib.messages.context_processors.messages",
                "prevent_compliance.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "prevent_compliance.wsgi.application"

# Read here, not as a setting: the address may hold a password. Unset or empty: SQLite.
_database_url = env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
try:
    _database_scheme = urlsplit(_database_url).scheme
    if _database_scheme in {"sqlite", "postgres", "postgresql", "pgsql"}:
        DATABASES = {"default": env.db_url_config(_database_url)}
    else:
        _database_scheme = None
except ValueError:  # for example a port that is not a number
    _database_scheme = None
if _database_scheme is None:
    raise _refuse(
        "DATABASE_URL is not a database address this app can use: give "
        "postgres://USER:PASSWORD@HOST:PORT/NAME or sqlite:////absolute/path.sqlite3."
    )
if _database_scheme != "sqlite" and not DATABASES["default"]["NAME"]:
    raise _refuse("DATABASE_URL names no database: add /NAME at the end of the address.")
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Keep each worker's connection for a while: a new connection per request costs a connect and,
# on SQLite, a cold page cache for every query.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a competing writer instead of failing at once with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username and address is refused before any password check.
    "prevent_compliance.accounts.backends.LockoutBackend",
    "rules.permissions.ObjectPermissionBackend",
    # Passwords, and the admin's model permissions for users and groups only.
    "prevent_compliance.accounts.backends.ModelPermissionsBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "toolkit:dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# pathlib Paths, not django-environ's Path (which has no "/": code joins them with "/").
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# Built GOV.UK Frontend assets and our own compiled CSS/JS (see static/package.json).
STATICFILES_DIRS = [BASE_DIR / "static" / "dist"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Object storage for several app servers: STORAGE_BACKEND=s3 keeps evidence, appendices, signed
# reviews and audit packs in an S3-compatible bucket (django-storages). Files are private and
# still reach users only through the permission-checked download views.
STORAGE_BACKEND = env("STORAGE_BACKEND", default="filesystem")
if STORAGE_BACKEND == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("S3_BUCKET"),
            "endpoint_url": env("S3_ENDPOINT_URL", default=None),
            "access_key": env("S3_ACCESS_KEY_ID", default=None),
            "secret_key": env("S3_SECRET_ACCESS_KEY", default=None),
            "region_name": env("S3_REGION", default=None),
            "location": env("S3_PREFIX", default=""),
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
elif STORAGE_BACKEND != "filesystem":
    raise ImproperlyConfigured("STORAGE_BACKEND must be 'filesystem' or 's3'.")

# Shared state is cached only in a cache every process reads (the organisation profile, the
# public log's years): a change dropped there is seen by every worker at once. In production
# the default is a file cache, shared by every process on one machine (gunicorn's workers and
# the task worker); several app servers need one cache for all, e.g.
# CACHE_URL=dbcache://prevent_cache (after manage.py createcachetable) or a Redis URL. A
# per-process cache (locmemcache://) is refused there. Local development (one runserver
# process) keeps it in memory.
CACHES = {
    "default": env.cache_url(
        "CACHE_URL", default="locmemcache://" if DEBUG else f"filecache://{BASE_DIR / 'cache'}"
    )
}
if not DEBUG and CACHES["default"]["BACKEND"].endswith(".LocMemCache"):
    raise _refuse(
        "CACHE_URL must name a cache that every app process shares when DEBUG is off: "
        "locmemcache:// keeps one per process, so workers disagree after a change (leave it "
        "unset for a file cache on one machine, or see README: several app servers)."
    )

# Uploaded files are never served from MEDIA_URL: downloads go through permission-checked views.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=25 * 1024 * 1024)
FILE_UPLOAD_PERMISSIONS = 0o640

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="prevent-compliance@localhost")

FORMS_URLFIELD_ASSUME_HTTPS = True

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

SIMPLE_HISTORY_REVERT_DISABLED = True

# --- Sign-in, sessions and two-factor authentication ------------------------------------------

# Sessions end after this many seconds without a request (IdleSessionMiddleware pushes the
# expiry on, writing the session at most once a minute).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# django-axes: 5 failed sign-ins for one username from one address lock that pair for
# 15 minutes. Locking by the pair, not the username alone, stops anyone locking out the
# Commissioner from elsewhere; it locks unknown usernames too, so nothing is enumerated.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "prevent_compliance.accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "prevent_compliance.accounts.backends.client_ip"
# Behind a reverse proxy the client address is in X-Forwarded-For; trust only as many
# entries from the right as there are proxies that we run (0: use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# django-otp: TOTP codes from an authenticator app, named after the service in the app.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Prevent Compliance")
# Never show an app's key or QR code after set-up (our admin replaces django-otp's anyway).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Once a Commissioner, Chief Executive or Administrator has set up an authenticator app, every
# page asks for a code first (prevent_compliance/accounts/middleware.py). With
# TWO_FACTOR_ALL_ROLES on, every signed-in user must set up an app and enter a code before any
# page. On by default in production (DEBUG off); off by default for local development and the
# tests.
TWO_FACTOR_ALL_ROLES = env.bool("TWO_FACTOR_ALL_ROLES", default=not DEBUG)
# Wrong codes are counted by prevent_compliance/accounts/two_factor.py (a few tries, then an
# explained wait), not by django-otp's doubling delay after every single mistake.
OTP_TOTP_THROTTLE_FACTOR = 0
# A forgotten-password link works once, for an hour (accounts/tokens.py; invitations last longer).
PASSWORD_RESET_TIMEOUT = 60 * 60

# --- Headers, cookies and the content security policy ----------------------------------------

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
# Behind a proxy that terminates TLS, for example "HTTP_X_FORWARDED_PROTO,https".
if proxy_ssl_header := env.tuple("SECURE_PROXY_SSL_HEADER", default=()):
    SECURE_PROXY_SSL_HEADER = proxy_ssl_header

# No inline script or style anywhere: a template that truly needs one uses request.csp_nonce.
# Inline SVG (the two-factor QR code) needs no exception.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Background work (audit packs): the database backend, run by `manage.py task_worker` (django-
# tasks' db_worker plus a heartbeat for /healthz/ready). TASKS_BACKEND=immediate runs tasks in
# the request instead (tests, tiny installations).
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[env("TASKS_BACKEND", default="database")],
    }
}
# /healthz/ready fails when no worker has sent a heartbeat for this long (prevent_compliance/
# health.py). Load balancers and monitors reach /healthz/ over plain HTTP too.
HEALTH_WORKER_MAX_AGE_SECONDS = env.int("HEALTH_WORKER_MAX_AGE_SECONDS", default=300)
SECURE_REDIRECT_EXEMPT = [r"^healthz/"]

DEMO_PASSWORD = env("DEMO_PASSWORD", default="demo-only-change-me")

# Register of interests (decisions/interests): a register not confirmed by its holder within
# this many days blocks signing; gifts and hospitality worth at least this many pounds are
# published (below it they stay on the internal register only).
INTERESTS_CONFIRM_WITHIN_DAYS = env.int("INTERESTS_CONFIRM_WITHIN_DAYS", default=92)
INTERESTS_GIFT_PUBLISH_THRESHOLD = env.str("INTERESTS_GIFT_PUBLISH_THRESHOLD", default="50")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}
