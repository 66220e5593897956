"""
The one settings module.

Everything that differs between a laptop and production comes from the environment
(see `.env.example`). The defaults are the safe ones: DEBUG off, SQLite, local-memory
cache. With DEBUG off the site refuses to start without a SECRET_KEY and ALLOWED_HOSTS.
"""

import json
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from config.environment import env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if DEBUG:
    SECRET_KEY = SECRET_KEY or "django-insecure-local-development-only"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]
else:
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off the site needs a long random secret: "
            "set SECRET_KEY in the environment (see .env.example), or set DEBUG=true "
            "for local development."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS is not set. With DEBUG off list the host names this site answers "
            "to, separated by commas (for example ALLOWED_HOSTS=briefings.example.com)."
        )

# Where the site lives, for links that leave a request behind (e-mails, feeds, sitemaps
# built by commands). Requests themselves use their own host.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = os.environ.get("SITE_NAME", "Meridian Briefings")
# The image share cards show (og:image) where a page has none of its own: an absolute URL
# or a path on this site, ideally 1200x630 PNG or JPEG; empty for none.
SHARE_IMAGE_URL = os.environ.get("SHARE_IMAGE_URL", "").strip()
SHARE_IMAGE_ALT = os.environ.get("SHARE_IMAGE_ALT", "").strip()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "simple_history",
    "django_tasks_db",
    "members",
    "briefings",
    "delivery",
    "organisations",
]

# The order matters: a request passes down this list and its response back up it.
#  1. RequestId: outermost, so every answer (redirects, errors, cached pages) carries an
#     id and every log line written while serving it names the request.
#  2. RequestLog: just inside, so its one line a request times everything below.
#  3. HeadResponse: drops the body of HEAD answers from every layer below, cached pages too.
#  4. Security: the HTTPS redirect before any work; its headers on every answer.
#  5. CSP and 6. BrowserPolicies (Permissions-Policy, Cross-Origin-Resource-Policy): their
#     headers on every answer, fresh for cached pages and static files alike.
#  7. Compression (config/compression.py): of pages the same for every reader only;
#     outside the page cache, which keeps pages as made; outside WhiteNoise and media,
#     whose files it leaves alone (they come compressed ahead of time, or are images).
#  8. WhiteNoise and 9. MediaFiles: static files, image renditions, before any session or
#     cache lookup is paid for.
# 10. AnonymousPageCache: inside 1-6 so a shared copy still gets its own id, log line
#     and headers; outside the session so a hit loads none; outside the cache policy
#     (12) so it sees its final word on whether a page may be shared. It also holds
#     the request's memo of the content generation.
# 11. Session: everything below may read the reader's session.
# 12. CacheControl: just inside the session, so it sees a session written to and the
#     cookies CSRF and messages set below, and marks the page private or public.
# 13. Common and 14. Csrf: Django's documented places, before any view runs.
# 15. Authentication (Django's, the account row kept in the cache: members.middleware)
#     needs the session; 16. Audience needs request.user and puts the
#     reader (lazily) on the request.
# 17. SeatVisit (organisations): a seat holder's last visit, at most once an hour per
#     session; needs the session, not the user, so costs nothing more on other requests.
# 18. Messages, 19. XFrameOptions, 20. allauth's AccountMiddleware: Django and allauth's
#     documented places, inside session and authentication.
# 21. StaffMFARequired: needs the user, messages and allauth, so comes after them.
# 22. AdminTimeZone: needs the user; activates their own zone for admin's views only.
# 23. HistoryRequest: beside the views, so admin edits record their author.
# 24. ConversionSource: needs the session; keeps the lock card a reader followed (`?from=`).
MIDDLEWARE = [
    "config.middleware.RequestIdMiddleware",
    "config.middleware.RequestLogMiddleware",
    "config.middleware.HeadResponseMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "config.middleware.BrowserPoliciesMiddleware",
    "config.compression.CompressionMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.media.MediaFilesMiddleware",
    "config.caching.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.caching.CacheControlMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "members.middleware.CachedUserAuthenticationMiddleware",
    "members.middleware.AudienceMiddleware",
    "organisations.visits.SeatVisitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "members.middleware.StaffMFARequiredMiddleware",
    "members.middleware.AdminTimeZoneMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "briefings.conversions.ConversionSourceMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# Database: SQLite when DATABASE_URL is unset; PostgreSQL through psycopg 3 and its
# connection pool when it is set. With the pool, connections are reused by the pool, so
# Django's own persistent connections (CONN_MAX_AGE) stay off.
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if DATABASE_URL:
    # Health checks make the pool test a connection before handing it out, so after a
    # database restart the first requests get a fresh connection, not a dead one.
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=0, conn_health_checks=True)
    if _db["ENGINE"] == "django.db.backends.postgresql":
        _db.setdefault("OPTIONS", {})
        if env_bool("DATABASE_POOL", True):
            _db["OPTIONS"]["pool"] = {
                "min_size": env_int("DATABASE_POOL_MIN_SIZE", 1),
                "max_size": env_int("DATABASE_POOL_MAX_SIZE", 8),
                "timeout": env_int("DATABASE_POOL_TIMEOUT", 5),
                # When the database is away the pool retries in the background with a
                # doubling delay (1, 2, 4, 8 s...), so after a long outage readers waited
                # up to that long once it was back. Giving up after 2 s instead lets the
                # next request start a fresh attempt: pages return within a second or two
                # of the database, with or without traffic (tests/config/test_prodlike.py).
                "reconnect_timeout": 2,
            }
        _db["OPTIONS"].setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5))
    DATABASES = {"default": _db}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL;",
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: local memory for one process; Redis when several processes must share rate
# limits, sessions and cached pages. Two aliases: "default" holds what must not be
# dropped (rate limits, used TOTP codes, sessions' copies) and "pages" what may be (whole
# pages, rendered parts, shared content, the content generation). They are one cache
# unless REDIS_PAGES_URL names another Redis, which production gives an eviction policy
# (docs/deployment.md: Redis memory).
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
REDIS_PAGES_URL = os.environ.get("REDIS_PAGES_URL", "").strip()


def _redis_cache(location: str) -> dict:
    return {
        "BACKEND": "config.cache.RedisCache",
        "LOCATION": location,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "briefings"),
        # A Redis that is down or hung must cost a request half a second at most:
        # pages then go on without the cache (config.cache.FailOpen).
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }


if REDIS_URL:
    CACHES = {"default": _redis_cache(REDIS_URL)}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CACHES["pages"] = _redis_cache(REDIS_PAGES_URL) if REDIS_PAGES_URL else dict(CACHES["default"])

# Cached database sessions that end SESSION_COOKIE_AGE after sign-in however active the
# reader is (config/sessions.py).
SESSION_ENGINE = "config.sessions"

AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "members.backends.AudienceBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "briefings:home"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
# Our English over allauth's and Django's: "Sign in", "E-mail", sentence case
# (locale/en_GB/LC_MESSAGES/django.po; compile with `make messages`).
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded images (briefings.images) go to the default storage: MEDIA_ROOT, or the backend
# MEDIA_STORAGE names with MEDIA_STORAGE_OPTIONS (JSON), e.g. S3 (docs/deployment.md).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
MEDIA_URL = os.environ.get("MEDIA_URL") or "/media/"
MEDIA_STORAGE = os.environ.get("MEDIA_STORAGE") or "django.core.files.storage.FileSystemStorage"
_MEDIA_OPTIONS = json.loads(os.environ.get("MEDIA_STORAGE_OPTIONS") or "{}")
SERVE_MEDIA = env_bool("SERVE_MEDIA", MEDIA_STORAGE.endswith(".FileSystemStorage"))  # config.media
MEDIA_ORIGINS = [f"{u.scheme}://{u.netloc}" for u in [urlsplit(MEDIA_URL)] if u.netloc]  # img-src
IMAGE_MAX_UPLOAD_BYTES = env_int("IMAGE_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)  # images.processing
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 40_000_000)
IMAGE_MAX_SIDE = env_int("IMAGE_MAX_SIDE", 12_000)
IMAGE_RENDITION_WIDTHS = [int(w) for w in env_list("IMAGE_RENDITION_WIDTHS", "480,960,1600")]
STORAGES = {
    "default": {"BACKEND": MEDIA_STORAGE, "OPTIONS": _MEDIA_OPTIONS},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# E-mail: printed to the console in development, sent over SMTP in production
# (Django 6.1's MAILERS; the EMAIL_* settings are deprecated).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if DEBUG and not EMAIL_HOST:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": EMAIL_HOST or "localhost",
                "port": env_int("EMAIL_PORT", 587),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                "timeout": env_int("EMAIL_TIMEOUT", 10),
            },
        }
    }
del EMAIL_HOST
# Background work (Django's tasks framework): e-mail is sent by a worker. "database" keeps
# the queue in the database (django-tasks-db): `manage.py db_worker` runs it, any number of
# workers on PostgreSQL; `make run` starts one. "immediate" runs each task at once in the
# process that queues it (the test suite's default, tests/environment.py).
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "database").strip().lower()
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND must be database or immediate, not {TASKS_BACKEND!r}."
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND]}}

DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <briefings@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where replies to briefing e-mails go (comma-separated); unset: to DEFAULT_FROM_EMAIL.
EMAIL_REPLY_TO = env_list("EMAIL_REPLY_TO")
# Seconds to wait before each new attempt at an e-mail the mail server refused for now
# (4xx, connection refused or dropped); after the last, a briefing e-mail is marked failed
# (delivery.sending) and a membership e-mail's task fails (members.tasks).
# Default: 1 minute, 5 minutes, 30 minutes, 2 hours, 12 hours.
try:
    EMAIL_RETRY_DELAYS = [
        int(delay) for delay in env_list("EMAIL_RETRY_DELAYS", "60,300,1800,7200,43200")
    ]
except ValueError:
    raise ImproperlyConfigured(
        "EMAIL_RETRY_DELAYS must be whole numbers of seconds, comma-separated."
    ) from None

# Security. Production (DEBUG off) is strict by default; each switch can be turned off
# from the environment for a local production-like run over plain HTTP.
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
if env_bool("BEHIND_HTTPS_PROXY", not DEBUG):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Set by config.middleware.BrowserPoliciesMiddleware on every response, static files too.
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
_secure_cookies = env_bool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = _secure_cookies
CSRF_COOKIE_SECURE = _secure_cookies
SESSION_COOKIE_HTTPONLY = True
# The __Host- prefix pins a cookie to this exact host over HTTPS; browsers refuse it
# over plain HTTP, so it follows the secure-cookie switch.
SESSION_COOKIE_NAME = "__Host-sessionid" if _secure_cookies else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if _secure_cookies else "csrftoken"
# Two weeks from sign-in, then sign in again. Sessions are saved only when they change:
# saving on every request would turn the lifetime into an idle timeout that an active
# reader (or a stolen cookie in use) extends forever, and write to the database on every
# page view. The absolute end is kept by config.sessions.SessionStore.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 24 * 14)
SESSION_SAVE_EVERY_REQUEST = False
# No script reads the CSRF cookie: forms carry the token, and so must any script.
CSRF_COOKIE_HTTPONLY = True
# Powerful browser features the site never uses, switched off for it and anything it
# might embed. Passkeys (publickey-credentials-*) keep their default: this origin only.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "xr-spatial-tracking",
    )
)

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:", *MEDIA_ORIGINS],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    # Browsers post what the policy refused here; it is logged (config/csp.py).
    "report-uri": ["/csp-report"],
}

# django-allauth: e-mail is the login, verified by a code; sign-in by code or password.
# Every name below is checked against allauth 65.21's account/app_settings.py.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
# A password is optional: a reader may join with just an e-mail address and sign in by code.
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_RESEND = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Rate limits live in the default cache: Redis (shared by every process) when REDIS_URL
# is set. "key" is the e-mail address, so one address cannot be hammered from many IPs.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip,200/d/ip",
    # Each verification e-mail carries a code bound to the session, and a sign-in with
    # the right password to an address not verified yet needs a fresh one: allauth
    # refuses that sign-in ("Too many failed login attempts") while this limit is spent.
    # So one per 10 seconds per address (allauth's own rate for codes), which is enough
    # against double submits, and a handful an hour, so nobody can mail-bomb.
    "confirm_email": "1/10s/key,6/h/key",
    "request_login_code": "20/m/ip,3/m/key,10/h/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "reauthenticate": "10/m/user",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "change_phone": "1/m/user",
    # Not allauth's: browsers' CSP violation reports (config/csp.py), counted the same way.
    "csp_report": "30/m/ip",
}
MFA_RATE_LIMITS = {"webauthn_login": "10/m/ip"}
# Behind a reverse proxy every request comes from the proxy's address; per-IP limits
# need the client's, from X-Forwarded-For, trusting exactly this many proxies.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ACCOUNT_ADAPTER = "members.adapter.AccountAdapter"
ACCOUNT_FORMS = {"signup": "members.forms.SignupForm"}
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_TOTP_ISSUER = SITE_NAME
# Staff are sent to set up MFA before they can use admin (members.middleware).
STAFF_MFA_REQUIRED = True

# Anonymous pages may be kept this many seconds by shared caches; pages that depend on
# the reader never are (config.caching.CacheControlMiddleware).
PUBLIC_PAGE_MAX_AGE = env_int("PUBLIC_PAGE_MAX_AGE", 60)
# Seconds the rendered parts of pages, tier wording and taxonomy choices stay in the cache
# (briefings.caching). Their keys change with every edit, so with Redis this only bounds
# memory; a per-process cache cannot hear other processes' edits, so there they live no
# longer than a public page.
CONTENT_CACHE_SECONDS = env_int("CONTENT_CACHE_SECONDS", 3600 if REDIS_URL else PUBLIC_PAGE_MAX_AGE)
# Seconds a signed-in reader's account row, membership terms and follows stay in the cache
# (members.caching). Every change to them forgets them at once on every server; this
# bounds what a cache that was unreachable during a change could still hold when it
# returns, and what a per-process cache keeps without hearing other processes' changes.
READER_CACHE_SECONDS = env_int("READER_CACHE_SECONDS", 300 if REDIS_URL else PUBLIC_PAGE_MAX_AGE)

# Seconds the briefing change form waits after a change before autosaving it (to the
# editor's autosave, or a live briefing's pending change; briefings/newsroom/autosave.py).
NEWSROOM_AUTOSAVE_SECONDS = env_int("NEWSROOM_AUTOSAVE_SECONDS", 10)

# Logs go to standard output: JSON lines in production (one a request, from
# config.middleware.RequestLogMiddleware, plus errors), plain text in development. Every
# record carries the request id.
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain" if DEBUG else "json").strip().lower()
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or plain, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "config.logging.RequestIdFilter"},
        "bounded_warning": {"()": "config.logging.BoundedWarningFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "config.logging.JsonFormatter"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # A Host header that is not ours: a 400 and one short warning, not an error with a
        # traceback (config/logging.py).
        "django.security.DisallowedHost": {"filters": ["bounded_warning"]},
    },
}
