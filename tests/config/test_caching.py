"""
The seams of config.caching: where its middleware sit, what it depends on, and the small
pieces the page cache is made of. The behaviour of cached pages is pinned in
tests/briefings/test_caching.py and tests/members/test_middleware.py.
"""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse

from config import caching

CONFIG = Path(caching.__file__).resolve().parent
PAGE_CACHE = "config.caching.AnonymousPageCacheMiddleware"
CACHE_POLICY = "config.caching.CacheControlMiddleware"


def position(name: str) -> int:
    return settings.MIDDLEWARE.index(name)


def test_the_page_cache_sits_inside_the_headers_and_outside_the_session_and_the_policy():
    for outer in (
        "config.middleware.RequestIdMiddleware",
        "config.middleware.RequestLogMiddleware",
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.csp.ContentSecurityPolicyMiddleware",
        "config.middleware.BrowserPoliciesMiddleware",
    ):
        assert position(outer) < position(PAGE_CACHE)
    assert position(PAGE_CACHE) < position("django.contrib.sessions.middleware.SessionMiddleware")
    assert position(PAGE_CACHE) < position(CACHE_POLICY)


def test_the_cache_policy_sits_just_inside_the_session_and_outside_what_sets_cookies():
    session = position("django.contrib.sessions.middleware.SessionMiddleware")
    assert position(CACHE_POLICY) == session + 1
    for inner in (
        "django.middleware.csrf.CsrfViewMiddleware",
        "members.middleware.CachedUserAuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    ):
        assert position(CACHE_POLICY) < position(inner)


def test_every_middleware_has_its_numbered_reason_above_the_list():
    source = (CONFIG / "settings.py").read_text()
    comment = source[: source.index("MIDDLEWARE = [")].rsplit("\n\n", 1)[-1]
    numbers = [int(n) for n in re.findall(r"(?:^#\s*|and |, |; )(\d+)\. ", comment, re.MULTILINE)]
    assert numbers == list(range(1, len(settings.MIDDLEWARE) + 1))


def test_http_caching_depends_on_no_app():
    tree = ast.parse((CONFIG / "caching.py").read_text())
    imported = {
        name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in (
            [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
        )
    }
    assert not {name for name in imported if name.split(".")[0] in {"briefings", "members"}}


def test_digest_keeps_its_parts_apart():
    assert caching.digest("a", "b") == caching.digest("a", "b")
    assert caching.digest("a", "b") != caching.digest("ab")
    assert caching.digest(1, None) != caching.digest("1", "")
    assert len(caching.digest("anything")) == 32


def anonymous_request(**cookies) -> HttpRequest:
    request = HttpRequest()
    request.method = "GET"
    request.COOKIES.update(cookies)
    return request


def test_only_a_request_without_session_or_message_cookie_is_anonymous_for_sure():
    assert caching.request_is_anonymous_for_sure(anonymous_request())
    assert caching.request_is_anonymous_for_sure(anonymous_request(csrftoken="x"))
    assert not caching.request_is_anonymous_for_sure(
        anonymous_request(**{settings.SESSION_COOKIE_NAME: "x"})
    )
    assert not caching.request_is_anonymous_for_sure(anonymous_request(messages="x"))


def shareable(response, request=None) -> bool:
    return caching.response_is_shareable(request or anonymous_request(), response)


def public(status=200) -> HttpResponse:
    response = HttpResponse("page", status=status)
    response["Cache-Control"] = "public, max-age=60"
    return response


def test_only_a_public_ok_page_without_cookie_or_nonce_is_shareable():
    assert shareable(public())
    assert not shareable(public(status=404))
    assert not shareable(HttpResponse("page"))  # the policy never marked it public
    with_cookie = public()
    with_cookie.set_cookie("csrftoken", "x")
    assert not shareable(with_cookie)
    with_nonce = anonymous_request()
    with_nonce._csp_nonce = "abc"
    assert not shareable(public(), with_nonce)


@pytest.fixture
def counted_cache(monkeypatch):
    caching.content_generation()  # so that it is there to be read
    reads = []
    real_get = caching.pages_cache.get

    def get(key, *args, **kwargs):
        reads.append(key)
        return real_get(key, *args, **kwargs)

    monkeypatch.setattr(caching.pages_cache, "get", get)
    return reads


def test_a_request_reads_the_generation_once_and_sees_its_own_bump(counted_cache):
    seen = []

    def view(request):
        seen.append(caching.content_generation())
        seen.append(caching.content_generation())
        caching.bump_content_generation()
        seen.append(caching.content_generation())
        return HttpResponse("page")

    # A POST passes through the page cache untouched, but inside its memo.
    request = anonymous_request()
    request.method = "POST"
    caching.AnonymousPageCacheMiddleware(view)(request)
    assert seen[0] == seen[1] < seen[2]
    assert counted_cache.count(caching.GENERATION_KEY) == 2
    # Outside a request nothing is remembered.
    caching.content_generation()
    caching.content_generation()
    assert counted_cache.count(caching.GENERATION_KEY) == 4
