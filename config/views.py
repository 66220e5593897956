"""Site-wide views: health checks and error pages."""

import logging
import sys

import psycopg
import redis
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.db.utils import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@never_cache
def healthz(request):
    """The process is up and answering. Touches nothing else."""
    return HttpResponse("ok\n", content_type="text/plain")


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("readiness check failed: database unavailable (%s)", exc.__class__.__name__)
        return False
    return True


def _cache_answers(alias: str) -> bool:
    try:
        caches[alias].get("readyz")
    except UNAVAILABLE_ERRORS as exc:
        logger.warning("readiness check: cache %r unavailable (%s)", alias, type(exc).__name__)
        return False
    return True


@never_cache
def readyz(request):
    """
    Whether this process can serve pages, and which dependency is down if not. Without
    the database it cannot: 503. Without the shared cache (Redis) it can, more slowly and
    with sign-in refused (rate limits fail closed): 200, "degraded", so that a load
    balancer keeps every instance in service through a Redis blip.
    """
    checks = {"database": "ok" if _database_answers() else "unreachable"}
    if settings.REDIS_URL:
        checks["cache"] = "ok" if _cache_answers("default") else "unreachable"
    if settings.REDIS_PAGES_URL:
        checks["page_cache"] = "ok" if _cache_answers("pages") else "unreachable"
    if checks["database"] != "ok":
        response = JsonResponse({"status": "unavailable", **checks}, status=503)
        response["Retry-After"] = "10"
        return response
    status = "ok" if all(value == "ok" for value in checks.values()) else "degraded"
    return JsonResponse({"status": status, **checks})


def favicon(request):
    """Browsers ask for /favicon.ico on pages that name no icon (admin, e-mail previews)."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


def _error_page(request, template, status):
    # Error pages are rendered for every reader alike: they carry no briefing content and
    # are never cached as someone's page.
    response = render(request, template, status=status)
    response["Cache-Control"] = "no-store"
    return response


def bad_request(request, exception=None):
    # Rendered like the 500 page, without the request: when the Host header is not ours
    # (DisallowedHost) or the query string is too big, the request raises again as soon as
    # the full layout asks it for its address or parameters, and a 400 would become a 500.
    return _standalone_error_page(request, "errors/400.html", 400)


def permission_denied(request, exception=None):
    return _error_page(request, "errors/403.html", 403)


def page_not_found(request, exception=None):
    return _error_page(request, "errors/404.html", 404)


# How long a reader (or a crawler) is asked to wait when the database is away.
RETRY_AFTER_SECONDS = 30

# Errors that mean "a service the site stands on cannot serve us right now" rather than
# "this code is wrong": the database is down or restarting, the network is cut,
# connections are used up; or Redis (the shared cache behind sessions and rate limits)
# does not answer. Django wraps psycopg's errors in its own; psycopg_pool's PoolTimeout (a
# psycopg OperationalError) can also arrive unwrapped, so both families are named.
UNAVAILABLE_ERRORS = (
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)


def is_service_unavailable(exc: BaseException | None) -> bool:
    """Whether `exc`, or an error it was raised from, says a backing service is unreachable."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, UNAVAILABLE_ERRORS):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _standalone_error_page(request, template_name, status, **headers):
    # These pages must not depend on anything that may have failed: no database, no
    # session, no context processors that query. They are rendered without the request,
    # from values that live in memory.
    context = {
        "site_name": settings.SITE_NAME,
        "request_id": getattr(request, "request_id", None),
    }
    body = loader.get_template(template_name).render(context)
    return HttpResponse(body, status=status, headers={"Cache-Control": "no-store", **headers})


def server_error(request):
    # Django calls this from inside its exception handling, so the error is at hand. A
    # database (or cache) that is down is not a bug: the reader gets a 503 that says so
    # and when to come back, every page alike, and the site serves again as soon as it
    # returns.
    if is_service_unavailable(sys.exc_info()[1]):
        return service_unavailable(request)
    return _standalone_error_page(request, "errors/500.html", 500)


def service_unavailable(request):
    return _standalone_error_page(
        request, "errors/503.html", 503, **{"Retry-After": str(RETRY_AFTER_SECONDS)}
    )


# Crawlers stay out of accounts, membership management, admin and search results (search
# pages are endless and reader-dependent); everything readers browse is open to them.
ROBOTS_DISALLOW = ["/accounts/", "/account/", "/admin/", "/search", "/team/"]


@require_safe
@cache_control(public=True, max_age=3600)
def robots_txt(request):
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW), ""]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
