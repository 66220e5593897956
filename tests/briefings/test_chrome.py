"""
The page chrome kept per process: the header an anonymous reader sees is rendered once,
and each page still puts its own address in the sign-in link, exactly as the template
that rendered it afresh on every page did.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import engines
from django.test import RequestFactory

from briefings.templatetags import chrome

# The sign-in link as header.html wrote it when the header was rendered on every page.
REFERENCE_SIGN_IN = (
    "<a href=\"{% url 'account_login' %}{% if request.path|slice:':10' != '/accounts/'"
    ' and not private_address %}?next={{ request.get_full_path|urlencode }}{% endif %}">'
    "Sign in</a>"
)

PATHS = [
    "/search/?q=%22export+control%22&fresh=1",
    "/search/?q=<script>alert(1)</script>&kind=analysis",
    "/search/?q=caf\u00e9+\u6570\u636e&page=2",
    "/briefings/harbour-cranes/?from=12:leadership-alliance",
    "/accounts/login/?next=/briefings/x/",
    "/accounts/",
    "/account/email/",
    "/",
]


def header(context) -> str:
    template = engines["django"].from_string("{% load chrome %}{% site_header %}")
    return template.render(context)


def sign_in_link(html: str) -> str:
    start = html.index('<a href="/accounts/login/')
    return html[start : html.index("</a>", start) + 4]


@pytest.fixture(autouse=True)
def _fresh_chrome(monkeypatch):
    monkeypatch.setattr(chrome, "_rendered", {})


@pytest.mark.parametrize("private_address", [False, True])
@pytest.mark.parametrize("path", PATHS)
def test_the_kept_header_carries_each_pages_own_address_as_the_template_did(path, private_address):
    request = RequestFactory().get(path)
    context = {
        "request": request,
        "user": AnonymousUser(),
        "site_name": "Briefings & Co",
        "private_address": private_address,
    }
    reference = engines["django"].from_string(REFERENCE_SIGN_IN).render(context)
    html = header(context)
    assert sign_in_link(html) == reference
    assert "Briefings &amp; Co" in html
    assert chrome._SIGN_IN_QUERY not in html


def test_a_header_without_a_request_links_as_the_template_did():
    context = {"user": AnonymousUser(), "site_name": "Briefings"}
    reference = engines["django"].from_string(REFERENCE_SIGN_IN).render(context)
    assert (
        sign_in_link(header(context)) == reference == '<a href="/accounts/login/?next=">Sign in</a>'
    )


def test_anonymous_pages_render_the_header_template_once_and_never_share_an_address(
    monkeypatch,
):
    rendered = []
    render_to_string = chrome.render_to_string

    def counting(name, *args, **kwargs):
        rendered.append(name)
        return render_to_string(name, *args, **kwargs)

    monkeypatch.setattr(chrome, "render_to_string", counting)
    pages = ["/search/?q=cranes", "/search/?q=ports", "/briefings/"]
    headers = [
        header({"request": RequestFactory().get(path), "user": AnonymousUser(), "site_name": "B"})
        for path in pages
    ]
    assert rendered == ["includes/header.html"]
    assert [sign_in_link(html) for html in headers] == [
        '<a href="/accounts/login/?next=/search/%3Fq%3Dcranes">Sign in</a>',
        '<a href="/accounts/login/?next=/search/%3Fq%3Dports">Sign in</a>',
        '<a href="/accounts/login/?next=/briefings/">Sign in</a>',
    ]
