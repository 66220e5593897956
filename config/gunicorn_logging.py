"""
gunicorn's access log without secrets (`logger_class` in gunicorn.conf.py).

gunicorn writes the raw request line, path and query string of every request when its
access log is on. This logger gives those atoms the same treatment as the site's own
request line (config.logging): no query string, and no tokens or e-mail addresses in the
path (private feed addresses among them), whatever `access_log_format` names.
"""

from urllib.parse import unquote, urlsplit, urlunsplit

from gunicorn.glogging import Logger

from config.logging import REDACTED, redact_path

# Atoms gunicorn fills from the environ that repeat the path or the query string.
_ENVIRON_ATOMS = ("{raw_uri}e", "{path_info}e", "{request_uri}e", "{query_string}e")


def safe_path(environ) -> str:
    # PATH_INFO is already percent-decoded: a token spelled with %-escapes is still seen.
    return redact_path(environ.get("PATH_INFO") or "/")


def safe_address(address: str) -> str:
    """A URL or a request URI without its query string, and its path redacted."""
    if not address or address == "-":
        return "-"
    parts = urlsplit(address)
    return urlunsplit((parts.scheme, parts.netloc, redact_path(unquote(parts.path)), "", ""))


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        path = safe_path(environ)
        query = REDACTED if environ.get("QUERY_STRING") else ""
        atoms["r"] = " ".join(
            (environ.get("REQUEST_METHOD", "-"), path, environ.get("SERVER_PROTOCOL", "-"))
        )
        atoms["U"] = path
        atoms["q"] = query
        for name in _ENVIRON_ATOMS:
            if name in atoms:
                atoms[name] = query if name == "{query_string}e" else path
        # The referring page may be one of ours, with a code or a token in its address.
        referer = safe_address(atoms.get("f", "-"))
        atoms["f"] = referer
        if "{referer}i" in atoms:
            atoms["{referer}i"] = referer
        return atoms

    def exception(self, msg, *args, **kwargs):
        # A worker that fails to handle a request names its URI ("Error handling request").
        if str(msg).startswith("Error handling request"):
            args = tuple(
                safe_address(arg) if isinstance(arg, str) and arg.startswith("/") else arg
                for arg in args
            )
        super().exception(msg, *args, **kwargs)
