"""gunicorn settings. Every value can be overridden from the environment."""

import contextlib
import gc
import multiprocessing
import os


def _env_true(name: str, default: str = "") -> bool:
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


_debug = _env_true("DEBUG")

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# gunicorn 27's control socket (for `gunicornc`) is not used here, and its default path
# (~/.gunicorn/gunicorn.ctl) would be shared by every gunicorn the same user starts on one
# machine: several app servers, the suite's private servers, the bench.
control_socket_disable = True
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "10000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "1000"))
# The site writes its own line for every request (config.middleware.RequestLogMiddleware)
# with the request id and user, and without query strings, which can hold sign-in codes
# and tokens. gunicorn's access log would repeat each request with its query string, so it
# is off unless asked for (GUNICORN_ACCESS_LOG=- for standard output).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
# When it is on, its lines leave out query strings and tokens in paths (private feed
# addresses), as the site's own line does: config.gunicorn_logging.
logger_class = "config.gunicorn_logging.RedactingLogger"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# gunicorn's own messages (start-up, worker restarts, timeouts) in the same format as the
# site's: JSON lines in production, plain text in development (see LOG_FORMAT).

if os.environ.get("LOG_FORMAT", "plain" if _debug else "json").strip().lower() == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {"level": "INFO", "handlers": ["json_stdout"]},
        "formatters": {"json": {"()": "config.logging.JsonFormatter"}},
        "handlers": {
            "json_stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "json",
            },
        },
        "loggers": {
            "gunicorn.error": {
                "level": loglevel.upper(),
                "handlers": ["json_stdout"],
                "propagate": False,
            },
            # With a logging config gunicorn writes access lines whatever `accesslog`
            # says; without a handler here they go nowhere unless asked for.
            "gunicorn.access": {
                "level": "INFO",
                "handlers": ["json_stdout"] if accesslog else [],
                "propagate": False,
            },
        },
    }
# The reverse proxy in front terminates TLS and says so in X-Forwarded-Proto. gunicorn
# believes that header (and makes the request https) only when BEHIND_HTTPS_PROXY says a
# proxy is there (as settings.py does for Django), and only from the addresses named here.
# Without a proxy anyone could send it, and a plain-http request would pass as secure.
if _env_true("BEHIND_HTTPS_PROXY", "false" if _debug else "true"):
    forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
    secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
else:
    forwarded_allow_ips = ""
    secure_scheme_headers = {}
wsgi_app = "config.wsgi:application"


# Templates every reader page renders, loaded before the freeze (below).
WARM_TEMPLATES = (
    "base.html",
    "briefings/home.html",
    "briefings/list.html",
    "briefings/detail.html",
    "briefings/coverage.html",
    "briefings/search.html",
    "briefings/includes/briefing_parts.html",
    "delivery/includes/follow_panel.html",
    "delivery/includes/follow_button.html",
)


def _warm_up() -> None:
    """Loads what the first requests would: every view (through the URLconf), the table
    `reverse()` reads, and the reader pages' templates, so that they are frozen with the
    rest (the cached template loader keeps them for the worker's life). The table is
    built at a worker's first `reverse()`, which its first request makes (`admin_path`):
    150-200 ms of that request's time, in-process."""
    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template
    from django.urls import get_resolver

    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 — imports every view module
    resolver.reverse_dict  # noqa: B018 — builds the table for the site's language
    for name in WARM_TEMPLATES:
        with contextlib.suppress(TemplateDoesNotExist):
            get_template(name)


def post_worker_init(worker):
    """
    The worker has loaded Django and the site: everything that exists now lives as long as
    the worker. Freezing it takes it out of the garbage collector's sweeps, so a full
    collection walks a request's objects, not the whole framework: one now and then took
    70 ms of a search's time (`make bench`), after freezing under 20. The views and the
    reader pages' templates are loaded first, so they are frozen too.

    The collector's thresholds stay Python's own. Raising the first (fewer, larger
    collections) made the tail worse, not better: a request's cycles (request, response,
    template context) are then freed a hundred requests' worth at a time, one long pause
    instead of many short ones (`scripts/profile_page.py --gc-threshold`).
    """
    _warm_up()
    gc.collect()
    gc.freeze()
