"""
Where browsers report what the Content Security Policy refused.

The policy is strict and five people write templates: an inline `style=""`, an `onclick`
or a script without its nonce does not fail any server-side test, it silently stops
working in readers' browsers. The report turns that into a log line naming the page and
the directive. Reports come from anyone's browser (extensions inject scripts too), so the
body is read with a size limit and only plain facts are logged: the directive, where the
blocked thing came from (origin or "inline"/"eval"), and the page's path without its query
string. Anyone can post here, so nothing a body holds can raise (deep nesting, ports out of
range, broken IPv6 hosts), each address may post a few times a minute (the "csp_report"
rate limit), and one post writes at most MAX_LOGGED_PER_POST lines however many reports
it carries.
"""

import json
import logging
import re
from urllib.parse import urlsplit

from allauth.core import ratelimit
from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.logging import redact_path

logger = logging.getLogger("config.csp")

MAX_REPORT_BYTES = 16 * 1024
DIRECTIVE_RE = re.compile(r"[a-z-]{1,40}")
MAX_REPORTS_PER_POST = 20
MAX_LOGGED_PER_POST = 3
KEYWORDS = {"inline", "eval", "wasm-eval", "self", "data", "blob", "trusted-types-policy"}


def _origin_or_keyword(uri: str) -> str:
    uri = (uri or "").strip()
    if uri.lower() in KEYWORDS:
        return uri.lower()
    try:
        parts = urlsplit(uri)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # "http://[::1/", "http://a:99999999/"
        return "unknown"
    if parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname:
        return f"{parts.scheme}://{parts.hostname}{port}"
    return parts.scheme[:20] or "unknown"


def _page_path(uri: str) -> str:
    try:
        path = urlsplit(uri or "").path
    except ValueError:
        return "unknown"
    return redact_path(path[:300] or "/")


def _reports(payload):
    # The old report-uri format: {"csp-report": {...}} with dashed keys; the Reporting
    # API: [{"type": "csp-violation", "body": {...}}] with camelCase keys.
    if isinstance(payload, dict) and isinstance(payload.get("csp-report"), dict):
        body = payload["csp-report"]
        yield {
            "directive": body.get("effective-directive") or body.get("violated-directive"),
            "blocked": body.get("blocked-uri"),
            "page": body.get("document-uri"),
        }
    elif isinstance(payload, list):
        for report in payload[:MAX_REPORTS_PER_POST]:
            if isinstance(report, dict) and isinstance(report.get("body"), dict):
                body = report["body"]
                yield {
                    "directive": body.get("effectiveDirective"),
                    "blocked": body.get("blockedURL"),
                    "page": body.get("documentURL"),
                }


def _facts(payload):
    """The distinct (directive, blocked, page) facts of a payload, in the order given."""
    facts = {}
    for report in _reports(payload):
        directive = str(report["directive"] or "").strip().split(" ")[0]
        if DIRECTIVE_RE.fullmatch(directive):
            blocked = _origin_or_keyword(str(report["blocked"] or ""))
            facts.setdefault((directive, blocked, _page_path(str(report["page"] or ""))), None)
    return list(facts)


def _over_limit(request) -> bool:
    # Counted in the shared cache. When the cache is away, reports are dropped rather
    # than logged without a bound: they are a developer's aid, not readers' data.
    try:
        return not ratelimit.consume(request, action="csp_report")
    except Exception:  # whatever the cache raised, the post cannot be counted
        return True


@csrf_exempt  # Browsers post reports without a token; nothing is changed but the log.
@require_POST
def csp_report(request):
    if _over_limit(request):
        return HttpResponse(status=429)
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return HttpResponseBadRequest("not a CSP report")
    if length > MAX_REPORT_BYTES:
        return HttpResponseBadRequest("report too large")
    try:
        payload = json.loads(request.read(MAX_REPORT_BYTES))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return HttpResponseBadRequest("not a CSP report")
    facts = _facts(payload)
    for directive, blocked, page in facts[:MAX_LOGGED_PER_POST]:
        logger.warning(
            "CSP refused %s from %s on %s",
            directive,
            blocked,
            page,
            extra={"csp_directive": directive, "csp_blocked": blocked, "csp_page": page},
        )
    if len(facts) > MAX_LOGGED_PER_POST:
        logger.warning("CSP: %d more refusals in the same post", len(facts) - MAX_LOGGED_PER_POST)
    return HttpResponse(status=204)
