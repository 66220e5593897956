"""Site-wide middleware: request ids, one log line a request, and a header Django lacks."""

import logging
import re
import time
import uuid

from django.conf import settings
from django.utils.functional import empty

from config.logging import loggable_path, request_id_var

request_logger = logging.getLogger("config.requests")

# An id from the proxy is kept when it is short and plain (a UUID, a hex or base64url
# token, nginx's $request_id); anything else is replaced, so a client cannot put
# arbitrary text into the logs or the response header.
REQUEST_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+=-]{7,127}")


class RequestIdMiddleware:
    """
    Gives every request an id: the proxy's `X-Request-ID` when it looks sane, a new one
    otherwise. The id is on `request.request_id`, on every log record written while the
    request is served (config.logging.RequestIdFilter), on the error pages, and in the
    response's `X-Request-ID` header.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if REQUEST_ID_RE.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response.headers["X-Request-ID"] = request_id
        return response


def user_for_log(request):
    """
    The signed-in user's id, "anonymous", or None when the request never looked (a static
    file or a health check with a session cookie): finding out would cost a session load,
    and a health check must not depend on the database.
    """
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "_wrapped", None) is not empty:
        return user.pk if user.is_authenticated else "anonymous"
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return "anonymous"
    return None


class RequestLogMiddleware:
    """
    One log line a request: method, path (no query string, secrets removed), status,
    duration in milliseconds, user id or "anonymous", and (through the logging filter)
    the request id. Sits just inside RequestIdMiddleware so it times everything else.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        path = loggable_path(request)
        request_logger.info(
            "%s %s %s %sms",
            request.method,
            path,
            response.status_code,
            duration_ms,
            extra={
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "user": user_for_log(request),
            },
        )
        return response


class BrowserPoliciesMiddleware:
    """
    Adds the policy headers Django's SecurityMiddleware does not set: Permissions-Policy
    (no camera, microphone, ...) and Cross-Origin-Resource-Policy (no other site may load
    our pages, feeds or files into its own: a member's page cannot be pulled into another
    origin's document, and Spectre-style reads of it have nothing to read). Static files
    pass through here too, WhiteNoise sitting inside.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.headers.setdefault(
            "Cross-Origin-Resource-Policy", settings.CROSS_ORIGIN_RESOURCE_POLICY
        )
        return response


class HeadResponseMiddleware:
    """
    Answers HEAD without a body. Django renders HEAD like GET and leaves stripping the
    body to the server; gunicorn does strip it, but logs a warning for every HEAD request
    (uptime monitors send many). Content-Length is already set, as for the GET.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "HEAD" and not response.streaming:
            response.content = b""
        return response
