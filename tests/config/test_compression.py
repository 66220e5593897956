"""
Compression (config/compression.py, SECURITY.md "Compression"): pages the same for every
anonymous reader go compressed (Brotli, else gzip); anything of one reader's, or carrying
a CSRF token, goes as it is, so BREACH-style guessing has no secret to find.
"""

import gzip

import brotli
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from config.caching import PAGE_HEADER
from config.compression import accepted_codings
from members.access import Audience
from tests import factories
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate"}
BROTLI = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br, zstd"}
SECRET_TEXT = "Quillsecretmarker for Strategic Circle members only."


@pytest.fixture
def briefing():
    return factories.gated_briefing(
        title="Compressed briefing",
        summary="A public summary.",
        public="Public text anyone may read. " * 20,
        circle=SECRET_TEXT,
    )


def decoded(response) -> str:
    coding = response.get("Content-Encoding")
    body = response.content
    if coding == "gzip":
        body = gzip.decompress(body)
    elif coding == "br":
        body = brotli.decompress(body)
    else:
        assert coding is None
    return body.decode()


def vary(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Vary", "").split(",")}


@pytest.mark.parametrize(("headers", "coding"), [(GZIP, "gzip"), (BROTLI, "br")])
def test_a_public_page_goes_compressed(briefing, headers, coding):
    plain = Client().get(briefing.get_absolute_url())
    response = Client().get(briefing.get_absolute_url(), **headers)
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("public")
    assert response["Content-Encoding"] == coding
    assert int(response["Content-Length"]) == len(response.content) < len(plain.content) / 2
    assert decoded(response) == plain.content.decode()
    assert "accept-encoding" in vary(response) and "cookie" in vary(response)


def test_without_accept_encoding_the_page_goes_as_it_is_yet_says_it_could_vary(briefing):
    response = Client().get(briefing.get_absolute_url())
    assert "Content-Encoding" not in response
    assert "accept-encoding" in vary(response)
    refused = Client().get(briefing.get_absolute_url(), HTTP_ACCEPT_ENCODING="br;q=0, gzip;q=0")
    assert "Content-Encoding" not in refused


def test_the_page_cache_keeps_the_page_as_made_and_each_reader_gets_their_coding(briefing):
    url = briefing.get_absolute_url()
    Client().get(url, **BROTLI)  # made and stored
    hit_gzip = Client().get(url, **GZIP)
    hit_plain = Client().get(url)
    assert hit_gzip[PAGE_HEADER] == "hit" and hit_plain[PAGE_HEADER] == "hit"
    assert hit_gzip["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in hit_plain
    assert decoded(hit_gzip) == hit_plain.content.decode()


def test_a_page_the_cache_policy_keeps_private_goes_as_it_is_even_for_anonymous(briefing):
    """A search with an error is marked `private` by its view: the policy's word is followed."""
    response = Client().get(reverse("briefings:search"), {"q": "x" * 500}, **BROTLI)
    assert not response["Cache-Control"].startswith("public")
    assert "Content-Encoding" not in response


def test_an_anonymous_search_goes_compressed_and_its_kept_copy_too(briefing):
    url = reverse("briefings:search") + "?q=anyone"
    made, kept = Client().get(url, **BROTLI), Client().get(url, **GZIP)
    assert kept[PAGE_HEADER] == "hit"
    assert made["Content-Encoding"] == "br" and kept["Content-Encoding"] == "gzip"
    assert decoded(made) == decoded(kept)
    assert SECRET_TEXT not in decoded(made)


@pytest.mark.parametrize("headers", [GZIP, BROTLI])
def test_a_signed_in_readers_pages_are_never_compressed(client, briefing, headers):
    """Member text, their address and private links beside reflected input: never."""
    user = UserFactory()
    MembershipFactory(user=user, tier=Audience.STRATEGIC_CIRCLE)
    client.force_login(user)
    for url in (
        briefing.get_absolute_url(),
        reverse("briefings:search") + "?q=Quillsecretmarker",
        reverse("members:account"),
        reverse("briefings:home"),
    ):
        response = client.get(url, **headers)
        assert response.status_code == 200, url
        assert "Content-Encoding" not in response, url
        assert response["Cache-Control"] == "private, no-store"
    assert SECRET_TEXT in client.get(briefing.get_absolute_url(), **headers).content.decode()


@pytest.mark.parametrize("name", ["account_login", "account_signup", "account_request_login_code"])
def test_pages_with_a_csrf_token_are_never_compressed(name):
    client = Client()
    client.get(reverse(name))  # the CSRF cookie is set: the next page needs none set
    response = client.get(reverse(name), **BROTLI)
    assert "csrfmiddlewaretoken" in response.content.decode()
    assert "Content-Encoding" not in response


def test_public_feeds_and_the_sitemap_are_compressed(briefing):
    for url in ("/sitemap.xml", reverse("briefings:home")):
        response = Client().get(url, **GZIP)
        assert response.status_code == 200, url
        assert response["Content-Encoding"] == "gzip", url


def test_static_files_are_left_to_whitenoise(settings):
    response = Client().get(settings.STATIC_URL + "css/site.css", **BROTLI)
    assert response.get("Content-Encoding") != "gzip" or response.streaming


def test_accepted_codings():
    assert accepted_codings("gzip, deflate, br, zstd") == {"gzip", "deflate", "br", "zstd"}
    assert accepted_codings("br;q=0, gzip;q=0.5") == {"gzip"}
    assert accepted_codings("GZIP;Q=1.0") == {"gzip"}
    assert accepted_codings("") == set()
    assert accepted_codings("br;q=nonsense, ;;, gzip") == {"gzip"}


def test_the_compression_sits_outside_the_page_cache_and_whitenoise():
    order = settings.MIDDLEWARE.index
    compression = order("config.compression.CompressionMiddleware")
    assert compression < order("config.caching.AnonymousPageCacheMiddleware")
    assert compression < order("whitenoise.middleware.WhiteNoiseMiddleware")
    assert compression > order("config.middleware.HeadResponseMiddleware")
