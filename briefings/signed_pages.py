"""
A signed-in reader's page kept whole, per reader key, with only what must be new in every
response (the form token, the CSP nonce) filled in per request.

A signed-in page cannot come from the anonymous page cache: it shows the reader's lock
cards and offer, their follow buttons and forms that carry their session's CSRF token.
But two readers of the same standing (`ReaderStatus.cache_key()`) who follow the same
terms see the same page, token and nonce aside. So the reader pages (`SignedInPageMixin`:
home, the list, coverage, a briefing, search) are rendered with placeholders where the token and
the nonce go, kept under a key that names everything the page is made from, and each
response gets this request's token and nonce put in:

- the content generation (any edit raises it), for PUBLIC_PAGE_MAX_AGE seconds at most,
  as shared content is (a scheduled briefing goes live with no save);
- the whole reader (`ReaderStatus.cache_key()`: audience, lapsed, pending, invited);
- whether the account is staff or a superuser (no reader page shows it today: belt and
  braces), and every fact of the account's own an app's part of the page shows
  (`register_account_facts`: the follows, for the follow buttons and panel);
- the scheme, host and full address (`config.caching.cache_address` must allow it).

The header names nobody (`briefings.templatetags.chrome`) and reader pages keep the
site's time zone, so the account itself (e-mail, name, zone) is never on the page.

What is never kept (the page is rendered, filled and served as usual):
- anything but GET or HEAD, an address with a parameter no page reads, a reader with
  messages waiting (they are shown once) or a request that queued some;
- a response that is not a plain 200, sets a cookie or its own Cache-Control;
- a render that used the real CSRF token or CSP nonce (something outside the page's own
  context, such as a fragment rendered with the request) or wrote to the session: the
  token and nonce are per request, and a page that wrote is not a plain read.

The placeholders are derived from SECRET_KEY (the same in every process, guessable by
nobody): text from editors or readers cannot spell one to have a token put into it.
"""

import functools
from collections.abc import Callable

from django.conf import settings
from django.http import HttpResponse
from django.middleware.csp import get_nonce
from django.middleware.csrf import get_token
from django.utils.crypto import salted_hmac

from config.caching import accelerator, cache_address, content_generation, digest

READER_PAGE_HEADER = "X-Reader-Page"

# Functions (request -> str) naming what of the account's own a reader page shows.
_account_facts: dict[str, Callable] = {}


def register_account_facts(name: str, facts: Callable) -> None:
    """
    Called by an app whose part of a reader page shows something of the account's own
    (delivery: the terms it follows): `facts(request)` spells it, and is in every key.
    """
    _account_facts[name] = facts


@functools.cache
def _placeholders(secret_key: str) -> tuple[bytes, bytes]:
    def placeholder(purpose):
        return salted_hmac(
            f"signed-page:{purpose}", "placeholder", secret=secret_key, algorithm="sha256"
        ).hexdigest()

    return placeholder("csrf").encode(), placeholder("nonce").encode()


def placeholders() -> tuple[bytes, bytes]:
    """The CSRF token's and the CSP nonce's stand-ins in a kept page."""
    return _placeholders(settings.SECRET_KEY)


def page_key(request) -> str | None:
    """The key of this reader's page at this address, or None when it is not kept."""
    if request.method not in {"GET", "HEAD"} or not settings.PUBLIC_PAGE_MAX_AGE:
        return None
    if messages_waiting(request):
        return None
    address = cache_address(request)
    if address is None:
        return None
    user = request.user
    # The reader first: its read brings the account's entries and the content generation.
    reader_key = request.reader.cache_key()
    facts = [f"{name}={facts(request)}" for name, facts in sorted(_account_facts.items())]
    generation = content_generation()
    if generation is None:  # the cache is away: render, keep nothing
        return None
    return "reader-page:" + digest(
        generation,
        reader_key,
        f"staff={user.is_staff}",
        f"superuser={user.is_superuser}",
        *facts,
        request.scheme,
        request.get_host(),
        address,
        request.get_full_path(),
    )


def messages_waiting(request) -> bool:
    storage = getattr(request, "_messages", None)
    return storage is not None and (len(storage) > 0 or storage.used)


class _Render:
    """What a render did that makes its page unfit to keep (looked at before and after)."""

    def __init__(self, request):
        self.request = request
        self.before = self.state()

    def state(self):
        request = self.request
        session = getattr(request, "session", None)
        return (
            bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE")),  # the real token was used
            bool(get_nonce(request)),  # the real nonce was made
            bool(session is not None and session.modified),
            messages_waiting(request),
        )

    def left_it_fit(self, response) -> bool:
        return (
            not any(self.before)
            and not any(self.state())
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            and "Cache-Control" not in response
        )


def filled(request, body: bytes) -> bytes:
    """`body` with this request's CSRF token and CSP nonce where the placeholders are."""
    csrf, nonce = placeholders()
    if csrf in body:
        body = body.replace(csrf, get_token(request).encode())
    if nonce in body:
        # str() makes the nonce (it is lazy), so the CSP header names it too. Not `or`:
        # a lazy nonce not yet made is falsy.
        value = get_nonce(request)
        body = body.replace(nonce, ("" if value is None else str(value)).encode())
    return body


def _served(request, kept) -> HttpResponse:
    content, headers = kept
    response = HttpResponse(filled(request, content), headers=headers)
    response[READER_PAGE_HEADER] = "hit"
    return response


def serve(request, respond: Callable):
    """
    A signed-in reader's page: the kept one, filled in for this request, or `respond()`'s
    (a TemplateResponse) rendered with placeholders, kept when fit, then filled in.
    """
    if not request.user.is_authenticated:
        return respond()  # anonymous pages are the page cache's (config.caching)
    key = page_key(request)
    if key is not None:
        kept = accelerator.get(key)
        if kept is not None:
            return _served(request, kept)
    render = _Render(request)
    response = respond()
    if not hasattr(response, "render") or response.is_rendered:
        return response
    csrf, nonce = placeholders()
    response.context_data = {
        **(response.context_data or {}),
        "csrf_token": csrf.decode(),
        "csp_nonce": nonce.decode(),
    }
    response.render()
    if key is not None and render.left_it_fit(response):
        headers = dict(response.items())
        accelerator.set(key, (response.content, headers), settings.PUBLIC_PAGE_MAX_AGE)
        response[READER_PAGE_HEADER] = "miss"
    response.content = filled(request, response.content)
    return response


class SignedInPageMixin:
    """For a reader page's view: a signed-in reader's page kept whole (see the module)."""

    # A subclass whose page is not a reader's (the newsroom's preview) turns it off.
    keeps_signed_in_page = True

    def dispatch(self, request, *args, **kwargs):
        def respond():
            return super(SignedInPageMixin, self).dispatch(request, *args, **kwargs)

        if not self.keeps_signed_in_page:
            return respond()
        return serve(request, respond)
