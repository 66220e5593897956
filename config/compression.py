"""
Compression of the pages everyone gets, and only those (SECURITY.md, "Compression").

BREACH-style attacks read a secret out of a compressed response by making the victim's
browser ask for it many times with guesses reflected beside the secret (a search word, a
`next` address) and watching the sizes. So a response is compressed only when it holds
nothing that is one reader's: when the cache policy (config.caching) has marked it
`public`, the same bytes for every anonymous reader, which a shared cache may keep and an
attacker could fetch for themselves. Pages for a signed-in reader (their e-mail address,
private feed addresses, the member text an attacker without the tier would like to read)
and any page that rendered a CSRF token go uncompressed.

Brotli when the browser takes it (smaller than gzip for HTML; the `brotli` package is
Google's own binding), gzip otherwise, through Django's `compress_string`, which adds
random-length padding against the same attacks. Static files are not handled here:
WhiteNoise serves them compressed ahead of time.
"""

import brotli
from django.utils.cache import patch_vary_headers
from django.utils.regex_helper import _lazy_re_compile
from django.utils.text import compress_string

from config.caching import response_depends_on_reader

# Text a page or feed sends; images, files and fonts are compressed already or are static.
COMPRESSIBLE_TYPES = frozenset(
    {
        "text/html",
        "text/plain",
        "text/xml",
        "application/xml",
        "application/rss+xml",
        "application/atom+xml",
        "application/json",
        "application/ld+json",
    }
)
# Below this many bytes the headers cost more than compression saves.
MIN_LENGTH = 200
# Brotli's quality for a page made on demand: fast (about gzip's speed), still smaller.
BROTLI_QUALITY = 5
_CODING = _lazy_re_compile(r"^\s*([a-z*]+)\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$", flags=0)


def accepted_codings(header: str) -> set[str]:
    """The content codings an Accept-Encoding header accepts (`q=0` refuses one)."""
    accepted = set()
    for part in header.lower().split(","):
        match = _CODING.match(part)
        if not match:
            continue
        coding, quality = match.groups()
        try:
            if quality is not None and float(quality) <= 0:
                continue
        except ValueError:
            continue
        accepted.add(coding)
    return accepted


def response_is_everyones(request, response) -> bool:
    """
    Whether the response is the same for every reader and holds no secret of one: the
    cache policy marked it public, nothing about it depends on the reader, and no CSRF
    token was rendered into it.
    """
    if not response.get("Cache-Control", "").startswith("public"):
        return False
    if response_depends_on_reader(request, response):
        return False
    return not request.META.get("CSRF_COOKIE_USED")


def compressible(response) -> bool:
    if response.streaming or response.has_header("Content-Encoding"):
        return False
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    return content_type in COMPRESSIBLE_TYPES and len(response.content) >= MIN_LENGTH


class CompressionMiddleware:
    """
    Compresses pages everyone gets (see the module's docstring). Sits outside the page
    cache, which keeps pages as they are made, and inside the middleware that only set
    headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not compressible(response) or not response_is_everyones(request, response):
            return response
        # The body now depends on what the browser accepts, for any cache on the way.
        patch_vary_headers(response, ("Accept-Encoding",))
        codings = accepted_codings(request.headers.get("Accept-Encoding", ""))
        if "br" in codings:
            body, coding = brotli.compress(response.content, quality=BROTLI_QUALITY), "br"
        elif "gzip" in codings or "*" in codings:
            body, coding = compress_string(response.content, max_random_bytes=100), "gzip"
        else:
            return response
        if len(body) >= len(response.content):
            return response
        response.content = body
        response["Content-Length"] = str(len(body))
        response["Content-Encoding"] = coding
        etag = response.get("ETag")
        if etag and etag.startswith('"'):
            response["ETag"] = "W/" + etag  # the bytes changed: no longer a strong match
        return response
