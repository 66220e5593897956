"""
HTTP caching for the whole site: what a shared cache may keep, the page cache that keeps
whole anonymous pages, and the content generation that every cached entry is keyed on.

Two middleware live here, and their places in `settings.MIDDLEWARE` matter (the numbered
comment there says why each sits where it does):

- `CacheControlMiddleware` marks every response: pages that depend on the reader
  `private, no-store`, anonymous pages `public` for PUBLIC_PAGE_MAX_AGE seconds, and
  `Vary: Cookie` on all of them.
- `AnonymousPageCacheMiddleware` answers anonymous readers from a copy of a page that
  the policy above marked `public`, within one content generation.

The *content generation* is a counter raised whenever content a page shows changes
(the signals that raise it are connected by `briefings.caching`). Every key names it,
so raising it makes every earlier entry unreachable at once on every server; the old
entries simply expire. What briefing pages keep in the cache, and under which keys, is
in `briefings.caching`.

The cache only makes pages faster. When it cannot be reached, a read is a miss and a
fill is skipped (`config.cache.FailOpen`, logged once per outage): pages are built from
the database. Raising the generation is not wrapped: a change that could not clear the
cache fails (a 503 for the editor) rather than leave old pages to come back with Redis.

Only addresses whose query holds nothing but the parameters pages read (registered by
the apps: `register_page_parameters`) are kept; `?utm=1`, `?utm=2`... are served but
never stored, so nobody can fill the cache with made-up addresses (`cache_address`).
"""

import contextlib
import hashlib
import secrets
import time
from typing import NamedTuple

from asgiref.local import Local
from django.conf import settings
from django.core.cache import caches
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.connection import ConnectionProxy
from django.utils.http import urlencode

from config.cache import UNAVAILABLE, FailOpen

PRIVATE = "private, no-store"
GENERATION_KEY = "content:generation"
# The cache that may be evicted (settings.CACHES["pages"]), and its reads and fills, for
# which an unreachable cache is a miss.
pages_cache = ConnectionProxy(caches, "pages")
accelerator = FailOpen(pages_cache)
PAGE_HEADER = "X-Page-Cache"


# --- Cache policy: what a shared cache may keep -----------------------------------------


def cache_control_for(
    *,
    method: str,
    status: int,
    depends_on_reader: bool,
    existing: str,
    public_max_age: int,
) -> str | None:
    """
    The Cache-Control a response should carry, or None to leave it as it is.

    A response that depends on who asks (a signed-in reader, a session with something
    in it, a cookie being set) must never be kept by a shared cache. Anything else that
    an anonymous reader gets may be kept for a short while by a shared cache.
    """
    directives = {part.strip().split("=")[0].lower() for part in existing.split(",") if part}
    if depends_on_reader:
        if "no-store" in directives:
            return None
        return PRIVATE
    if existing:
        # The view decided (never_cache on health checks, previews, error pages).
        return None
    if method in {"GET", "HEAD"} and status in {200, 203, 301, 404, 410} and public_max_age:
        return f"public, max-age={public_max_age}"
    return PRIVATE


def never_shared(response) -> None:
    """
    Marks a response `private` (the view's own word, which the policy keeps): the page
    cache keeps only `public` pages and a signed-in page is kept only without a
    Cache-Control of its own (briefings.signed_pages), so no cache keeps it. For a page
    that is one request's answer, such as a form shown with its errors.
    """
    patch_cache_control(response, private=True)


def response_depends_on_reader(request, response) -> bool:
    if response.cookies:
        return True
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    session = getattr(request, "session", None)
    return bool(session is not None and (session.modified or (session.accessed and session.keys())))


class CacheControlMiddleware:
    """
    Marks every page for shared caches: signed-in pages `private, no-store`, anonymous
    pages public for `PUBLIC_PAGE_MAX_AGE` seconds, and `Vary: Cookie` on all of them so
    that a cache never serves one reader's copy to another. Sits just inside the session
    middleware, so it sees the cookies the CSRF and message middleware set.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        value = cache_control_for(
            method=request.method,
            status=response.status_code,
            depends_on_reader=response_depends_on_reader(request, response),
            existing=response.get("Cache-Control", ""),
            public_max_age=getattr(settings, "PUBLIC_PAGE_MAX_AGE", 60),
        )
        if value is not None:
            response["Cache-Control"] = value
            if value == PRIVATE:
                response.headers.pop("Expires", None)
        patch_vary_headers(response, ["Cookie"])
        return response


# --- The content generation -------------------------------------------------------------


# The generation read once per request (AnonymousPageCacheMiddleware starts and ends the
# request's memo), so a page that keeps several things in the cache asks the cache once.
# `values` is the same request's memo of other cache reads (`request_memo`).
_request = Local()


def request_memo() -> dict | None:
    """
    A dict that lives for the current request only (None outside one), for cache reads a
    request would otherwise repeat. Its keys must be the cache keys themselves, which name
    whose entry it is (`members.caching` keeps an account's entries under its id).
    """
    return getattr(_request, "values", None) if getattr(_request, "memo", False) else None


@contextlib.contextmanager
def request_scope():
    """One request's memo: the content generation and `request_memo()`, forgotten after."""
    _request.memo, _request.generation, _request.values = True, None, {}
    try:
        yield
    finally:
        _request.memo, _request.generation, _request.values = False, None, None


# The content generation this process read last, to name the entries a request reads with
# the generation itself (`entries_at_generation`); only ever a guess, checked on every read.
_last_generation = None


def seed_content_generation(generation) -> None:
    """The generation read alongside other keys in one round trip, for this request."""
    global _last_generation
    if generation is not None and getattr(_request, "memo", False):
        _request.generation = _last_generation = generation


# What FailOpen.get answers when the cache could not be asked.
UNREACHABLE = object()


def content_generation() -> int | None:
    """The current generation; started from the clock so a flushed cache never repeats one."""
    generation = getattr(_request, "generation", None)
    if generation is not None:
        return generation
    generation = accelerator.get(GENERATION_KEY, unavailable=UNREACHABLE)
    if generation is None:
        accelerator.add(GENERATION_KEY, time.time_ns(), timeout=None)
        generation = accelerator.get(GENERATION_KEY, unavailable=UNREACHABLE)
    if generation is UNREACHABLE or generation is None:
        # No number to key on: nothing is kept or read for this request. A fixed stand-in
        # (0) would be the same in every outage and bring back what an earlier one kept.
        generation = None
    if getattr(_request, "memo", False):
        _request.generation = generation
    if generation is not None:
        global _last_generation
        _last_generation = generation
    return generation


def entries_at_generation(keys_at) -> dict:
    """
    The entries `kept` holds for `keys_at(generation)`'s keys, which name the content
    generation, and that generation read in the same round trip (one MGET) when it is the
    one this process read last, as it is until the next edit: the keys are spelt with that
    generation and its entries taken only if the generation read with them is the same.
    After an edit (or before any read) the generation is read first, then the entries,
    in two round trips as `content_generation` and `kept_entries` do.
    """
    known, guess = getattr(_request, "generation", None), _last_generation
    if known is None and guess is not None and getattr(_request, "memo", False):
        keys = [key for key in keys_at(guess) if key]
        found = accelerator.get_many([GENERATION_KEY, *map(_stored_key, keys)])
        generation = found.get(GENERATION_KEY)
        if generation is not None:
            seed_content_generation(generation)
        if generation == guess:
            return {key: found[_stored_key(key)] for key in keys if _stored_key(key) in found}
    generation = content_generation()
    if generation is None:  # the cache is away: nothing to read
        return {}
    keys = [key for key in keys_at(generation) if key]
    return kept_entries(keys) if keys else {}


def bump_content_generation() -> None:
    _request.generation = None
    try:
        pages_cache.incr(GENERATION_KEY)
    except ValueError:  # not there (a fresh or flushed cache): any new number will do
        pages_cache.set(GENERATION_KEY, time.time_ns(), timeout=None)


def digest(*parts) -> str:
    return hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=16).hexdigest()


# --- One build for many readers ---------------------------------------------------------
#
# When the content generation is raised, every entry is missed at once: without care, every
# reader then asking for the same page builds the same entry at the same moment (a cache
# stampede), each paying for the queries and the rendering while the others wait for the
# CPU. `kept` lets one request build an entry while the others wait for it, and lets an
# entry whose time is up be served, under its own key only, while one request rebuilds it.


class Kept(NamedTuple):
    """A value `kept` stores, with the moment (time.time()) after which it is rebuilt."""

    value: object
    fresh_until: float


# How long one build holds its key: others wait for it that long at most, then build too
# (a build that died leaves its claim to expire).
BUILD_CLAIM_SECONDS = 5.0
# Pauses between looks for the value another request is building.
WAIT_PAUSES = (0.002, 0.004, 0.008, 0.016, 0.025)
_MISSING = object()


def _claim_key(key: str) -> str:
    return "building:" + digest(key)


def _stored_key(key: str) -> str:
    # Not the bare key: a server still running code from before `kept` (during a deploy
    # that reaches the servers one by one) reads bare keys, and would take a Kept for
    # the value itself.
    return "kept:" + key


def forget_kept(key: str) -> None:
    """Deletes what `kept` holds under `key` (not wrapped: a delete that did not happen
    must not pass for one)."""
    pages_cache.delete(_stored_key(key))


def kept_entries(keys) -> dict:
    """The entries `kept` holds for `keys`, by key, in one round trip (for a memo)."""
    found = accelerator.get_many([_stored_key(key) for key in keys])
    return {key: found[_stored_key(key)] for key in keys if _stored_key(key) in found}


def kept(key: str, build, *, timeout: int, found=_MISSING):
    """
    The value kept under `key`, else `build()`'s, kept `timeout` seconds; `found` is the
    entry already read for `key` (from a request's memo).

    A missing entry is built by one request at a time, across processes and servers: the
    first claims the key (`cache.add`), the others wait for its value (until the claim
    is gone or BUILD_CLAIM_SECONDS pass, then build themselves). An entry past its time is
    kept BUILD_CLAIM_SECONDS longer, and while one request rebuilds it the others get the
    old value: the same key, so the same generation, reader and address. Entries of an
    older content generation are under other keys and are never served. When the cache
    cannot be reached, everyone builds, as before.
    """
    if not timeout:
        return build()
    entry = accelerator.get(_stored_key(key)) if found is _MISSING else found
    if isinstance(entry, Kept):
        if entry.fresh_until > time.time():
            return entry.value
        if not _claim(key):  # someone is rebuilding it: the value of a moment ago
            return entry.value
        return _build_and_keep(key, build, timeout)
    if _claim(key):
        return _build_and_keep(key, build, timeout)
    waited = _wait_for(key)
    if waited is not _MISSING:
        return waited
    return _build_and_keep(key, build, timeout, claimed=False)


def _claim(key: str) -> bool:
    return accelerator.add(_claim_key(key), secrets.token_hex(4), BUILD_CLAIM_SECONDS)


def _build_and_keep(key, build, timeout, *, claimed=True):
    try:
        value = build()
        kept_value = Kept(value, time.time() + timeout)
        accelerator.set(_stored_key(key), kept_value, timeout + BUILD_CLAIM_SECONDS)
        return value
    finally:
        if claimed:
            with contextlib.suppress(*UNAVAILABLE):
                pages_cache.delete(_claim_key(key))


def _wait_for(key: str):
    """The value another request builds under `key`; _MISSING if it gave up or the
    cache is away (then the caller builds)."""
    stored, claim = _stored_key(key), _claim_key(key)
    deadline = time.monotonic() + BUILD_CLAIM_SECONDS
    pauses = iter(WAIT_PAUSES)
    while True:
        found = accelerator.get_many([stored, claim])
        entry = found.get(stored)
        if isinstance(entry, Kept):
            return entry.value
        if claim not in found or time.monotonic() > deadline:
            # Built and gone without a value (an error), stuck, or no cache to ask.
            return _MISSING
        time.sleep(next(pauses, WAIT_PAUSES[-1]))


# --- Which addresses may be kept ----------------------------------------------------------

# The query parameters each page reads, by URL name (filters, search words, page numbers,
# `next`). A parameter only counts on the pages that read it: `?next=` on a briefing page
# or `?q=` on the home page is made up, and not kept.
_page_parameters: dict[str, frozenset[str]] = {}


def register_page_parameters(view_name: str, *names: str) -> None:
    """Called by the apps (AppConfig.ready): the query parameters the `view_name` page reads."""
    _page_parameters[view_name] = _page_parameters.get(view_name, frozenset()) | set(names)


def cache_address(request) -> str | None:
    """
    The request's path and its query in a fixed order, for cache keys; None when the
    query names a parameter this page does not read: such a page is served but not kept.
    """
    query = request.GET
    if not query:
        return request.path
    match = request.resolver_match
    if match is None:  # the page cache asks before the URL is resolved
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
    if not _page_parameters.get(match.view_name, frozenset()).issuperset(query):
        return None
    return f"{request.path}?{urlencode(sorted(query.lists()), doseq=True)}"


# --- Whole anonymous pages --------------------------------------------------------------


def request_is_anonymous_for_sure(request) -> bool:
    """
    Without a session cookie nobody can be signed in and nothing is waiting for this
    reader (messages live in the session or their own cookie): the page is everyone's.
    """
    cookies = request.COOKIES
    return (
        settings.SESSION_COOKIE_NAME not in cookies
        and getattr(settings, "MESSAGE_COOKIE_NAME", "messages") not in cookies
    )


def response_is_shareable(request, response) -> bool:
    if response.status_code != 200 or response.streaming:
        return False
    if not response.get("Cache-Control", "").startswith("public"):
        return False  # the cache policy says it depends on the reader, or the view said so
    if response_depends_on_reader(request, response):
        return False
    # A page that used the CSP nonce carries it in its markup: never hand it out twice.
    nonce = getattr(request, "_csp_nonce", None)
    return not nonce


class AnonymousPageCacheMiddleware:
    """
    Answers anonymous readers from a copy of the page made for the first of them, for a
    short while (PUBLIC_PAGE_MAX_AGE seconds) and only within one content generation.

    It sits inside the middleware that add security headers, the CSP and the request id,
    so every answer still gets fresh ones, and outside the session middleware and the
    cache policy, so it sees the final decision about whether a page may be shared.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_scope():
            return self._respond(request)

    def _respond(self, request):
        timeout = settings.PUBLIC_PAGE_MAX_AGE
        if (
            not timeout
            or request.method not in {"GET", "HEAD"}
            or not request_is_anonymous_for_sure(request)
        ):
            return self.get_response(request)
        key = self.key(request)
        if key is None:
            return self.get_response(request)
        cached_response = accelerator.get(key)
        if cached_response is not None:
            cached_response[PAGE_HEADER] = "hit"
            return cached_response
        response = self.get_response(request)
        if response_is_shareable(request, response):
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            if accelerator.set(key, response, timeout):
                response[PAGE_HEADER] = "miss"
        return response

    @staticmethod
    def key(request) -> str | None:
        """The page's key, or None for an address that is not kept (`cache_address`)."""
        address = cache_address(request)
        generation = content_generation() if address is not None else None
        if generation is None:
            return None
        return "page:" + digest(generation, request.scheme, request.get_host(), address)
