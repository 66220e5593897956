"""
Logging that says what happened without saying what must stay private.

Every log record carries the id of the request it belongs to (`RequestIdFilter`), so an
error can be matched with the request line and with what the reader reports from the
error page. In production the records are JSON, one per line on standard output
(`JsonFormatter`); in development they are plain text.

Paths are logged without their query strings, and with anything that looks like a
secret removed from the path itself (`loggable_path`): sign-in codes, reset keys and
invitation tokens travel in URLs, and logs are read by more people than members' inboxes.
"""

import json
import logging
import re
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime

# The id of the request being served on this thread (or task); "-" outside a request.
request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

REDACTED = "[redacted]"
EMAIL_RE = re.compile(r"[^/@\s]+@[^/@\s]+")
# URL arguments whose values are credentials: allauth's reset keys (`key`, `uidb36`),
# login codes, invitation and unsubscribe tokens.
SECRET_KWARG_RE = re.compile(r"key|token|code|secret|uid|signature", re.IGNORECASE)
# A run of 16 or more letters, digits and underscores with both letters and digits in it
# is a token, not a word of a slug (whose words are short and hyphen-separated).
TOKEN_RE = re.compile(r"[A-Za-z0-9_]{16,}")
# Addresses whose next segment is a bearer token, whatever it looks like (a urlsafe token
# has hyphens, so TOKEN_RE would see short pieces of it): the segment after the prefix is
# replaced by TOKEN_PLACEHOLDER. Private feed addresses; the e-mail preference links.
REDACTED_PATH_PREFIXES = ("/feeds/private/", "/email/preferences/", "/email/unsubscribe/")
TOKEN_PLACEHOLDER = "[token]"  # noqa: S105 (what replaces a token, not one)


def loggable_path(request) -> str:
    """The request's path, without the query string and without secrets or addresses."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is not None:
        for name, value in match.kwargs.items():
            if SECRET_KWARG_RE.search(name) and isinstance(value, str) and value:
                path = path.replace(value, REDACTED)
    return redact_path(path)


def redact_path(path: str) -> str:
    """`path` without e-mail addresses or anything that looks like a random token."""
    path = redact_token_segment(path)
    path = EMAIL_RE.sub(REDACTED, path)
    # A path that matched no URL (an old reset link, a mistyped invitation) has no named
    # arguments to go by: anything that looks like a random token goes.
    return TOKEN_RE.sub(_redact_token, path)


def redact_token_segment(path: str) -> str:
    """`path` with the segment after a REDACTED_PATH_PREFIXES prefix replaced."""
    for prefix in REDACTED_PATH_PREFIXES:
        if path.startswith(prefix):
            _, slash, rest = path[len(prefix) :].partition("/")
            return f"{prefix}{TOKEN_PLACEHOLDER}{slash}{rest}"
    return path


def _redact_token(match: re.Match) -> str:
    token = match.group()
    if any(c.isdigit() for c in token) and any(c.isalpha() for c in token):
        return REDACTED
    return token


class RequestIdFilter(logging.Filter):
    """
    Puts the current request id on every record as `record.request_id`, and takes
    secrets out of the path in Django's own request records ("Not Found: /path").
    """

    def filter(self, record):
        request = getattr(record, "request", None)
        if not getattr(record, "request_id", None):
            # Django logs 4xx/5xx responses after the middleware has returned, outside
            # the request's context, but hands the request along.
            record.request_id = getattr(request, "request_id", None) or request_id_var.get()
        # runserver's records carry a socket as `request`: only HttpRequests have a path.
        path = getattr(request, "path", None)
        if path and isinstance(record.args, tuple):
            # Django escapes what it logs ("\\xe9" for "é"): either spelling is the path.
            spellings = {path, path.encode("unicode_escape").decode("ascii")}
            if any(isinstance(arg, str) and arg in spellings for arg in record.args):
                safe = loggable_path(request)
                record.args = tuple(
                    safe if isinstance(arg, str) and arg in spellings else arg
                    for arg in record.args
                )
        return True


MAX_MESSAGE_CHARS = 200


class BoundedWarningFilter(logging.Filter):
    """
    Turns a record into one short warning line: no traceback, the message cut to
    MAX_MESSAGE_CHARS. For Django's DisallowedHost records, which anyone can cause with a
    Host header (scanners send thousands): the request is answered 400, nothing is wrong
    with the site, and the header's value is the attacker's to choose, length included.
    """

    def filter(self, record):
        message = record.getMessage()
        if len(message) > MAX_MESSAGE_CHARS:
            message = message[: MAX_MESSAGE_CHARS - 1] + "…"
        record.msg, record.args = message, None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info = record.exc_text = None
        return True


# Attributes every LogRecord has; anything else on a record came from `extra=` and is
# written out as a field of its own.
_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()
    | {"message", "asctime", "request_id", "taskName"}
)
# Django's request logging puts the request and server objects on records; they are not
# data to write out (and the request would drag its query string along).
_SKIPPED_EXTRAS = frozenset({"request", "server_time"})


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extras."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for name, value in vars(record).items():
            if name not in _STANDARD_ATTRS and name not in _SKIPPED_EXTRAS:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, default=str, ensure_ascii=False)
