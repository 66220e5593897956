"""Site-wide views: health checks and error pages."""

import logging

from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@never_cache
def healthz(request):
    """The process is up and answering. Touches nothing else."""
    return HttpResponse("ok\n", content_type="text/plain")


@never_cache
def readyz(request):
    """The process can serve pages: the database answers a query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("readiness check failed: database unavailable (%s)", exc.__class__.__name__)
        response = JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
        response["Retry-After"] = "10"
        return response
    return JsonResponse({"status": "ok", "database": "ok"})


def _error_page(request, template, status):
    # Error pages are rendered for every reader alike: they carry no briefing content and
    # are never cached as someone's page.
    response = render(request, template, status=status)
    response["Cache-Control"] = "no-store"
    return response


def bad_request(request, exception=None):
    return _error_page(request, "errors/400.html", 400)


def permission_denied(request, exception=None):
    return _error_page(request, "errors/403.html", 403)


def page_not_found(request, exception=None):
    return _error_page(request, "errors/404.html", 404)


def server_error(request):
    # A 500 page must not depend on anything that may have failed: no database, no
    # context processors that query. It is a static template rendered without a request.
    from django.template import loader

    template = loader.get_template("errors/500.html")
    return HttpResponse(template.render({}), status=500, headers={"Cache-Control": "no-store"})


# Crawlers stay out of accounts, membership management, admin and search results (search
# pages are endless and reader-dependent); everything readers browse is open to them.
ROBOTS_DISALLOW = ["/accounts/", "/account/", "/admin/", "/search"]


@require_safe
@cache_control(public=True, max_age=3600)
def robots_txt(request):
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW), ""]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
