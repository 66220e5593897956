"""
Where browsers report what the Content Security Policy refused.

The policy is strict and five people write templates: an inline `style=""`, an `onclick`
or a script without its nonce does not fail any server-side test, it silently stops
working in readers' browsers. The report turns that into a log line naming the page and
the directive. Reports come from anyone's browser (extensions inject scripts too), so the
body is read with a size limit and only plain facts are logged: the directive, where the
blocked thing came from (origin or "inline"/"eval"), and the page's path without its query
string.
"""

import json
import logging
import re
from urllib.parse import urlsplit

from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.logging import redact_path

logger = logging.getLogger("config.csp")

MAX_REPORT_BYTES = 16 * 1024
DIRECTIVE_RE = re.compile(r"[a-z-]{1,40}")
KEYWORDS = {"inline", "eval", "wasm-eval", "self", "data", "blob", "trusted-types-policy"}


def _origin_or_keyword(uri: str) -> str:
    uri = (uri or "").strip()
    if uri.lower() in KEYWORDS:
        return uri.lower()
    parts = urlsplit(uri)
    if parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname:
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{parts.hostname}{port}"
    return parts.scheme[:20] or "unknown"


def _page_path(uri: str) -> str:
    return redact_path(urlsplit(uri or "").path[:300] or "/")


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
        for report in payload[:20]:
            if isinstance(report, dict) and isinstance(report.get("body"), dict):
                body = report["body"]
                yield {
                    "directive": body.get("effectiveDirective"),
                    "blocked": body.get("blockedURL"),
                    "page": body.get("documentURL"),
                }


@csrf_exempt  # Browsers post reports without a token; nothing is changed but the log.
@require_POST
def csp_report(request):
    length = int(request.headers.get("Content-Length") or 0)
    if length > MAX_REPORT_BYTES:
        return HttpResponseBadRequest("report too large")
    try:
        payload = json.loads(request.read(MAX_REPORT_BYTES))
    except (ValueError, UnicodeDecodeError):
        return HttpResponseBadRequest("not a CSP report")
    for report in _reports(payload):
        directive = str(report["directive"] or "").strip().split(" ")[0]
        if not DIRECTIVE_RE.fullmatch(directive):
            continue
        blocked = _origin_or_keyword(str(report["blocked"] or ""))
        page = _page_path(str(report["page"] or ""))
        logger.warning(
            "CSP refused %s from %s on %s",
            directive,
            blocked,
            page,
            extra={"csp_directive": directive, "csp_blocked": blocked, "csp_page": page},
        )
    return HttpResponse(status=204)
