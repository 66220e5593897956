"""
The page chrome every page shares (the header, the footer), rendered once per process.

They name no reader: the footer is the same for everyone, and the header differs only in
whether someone is signed in (an account link, or a sign-in link that names the page to
come back to). Each is rendered once with nothing but the site's name and kept in this
process, keyed by what their links depend on; each `{% url %}` in them cost a reversal on
every page. The sign-in link's query (`?next=` and this page's address) is the one part
that names the request: the kept header has a stand-in there, and each page puts its own
address in (`sign_in_query`), so no page's address reaches another's header.
"""

from django import template
from django.template.defaultfilters import urlencode
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()

# Rendered fragments by (template, site name, script prefix, URLconf): a handful at most.
_rendered: dict[tuple, str] = {}

# Where the kept header's sign-in link takes its query: our own template holds nothing
# else from outside, so nothing else can spell it.
_SIGN_IN_QUERY = "__chrome_sign_in_query__"


class _SignedIn:
    """Who the kept header is rendered for: someone signed in, and nobody in particular."""

    is_authenticated = True


def _kept(template_name: str, site_name, **context) -> str:
    key = (template_name, site_name, get_script_prefix(), get_urlconf(), *context)
    html = _rendered.get(key)
    if html is None:
        html = mark_safe(render_to_string(template_name, {"site_name": site_name, **context}))  # noqa: S308 — our own template's output
        _rendered[key] = html
    return html


def sign_in_query(context) -> str:
    """
    The sign-in link's query, as HTML: signing in from a page comes back to it, unless
    the page is a sign-in step itself or its address is a credential (`private_address`).
    """
    request = context.get("request")
    path, full_path = (request.path, request.get_full_path()) if request is not None else ("", "")
    if path[:10] == "/accounts/" or context.get("private_address"):
        return ""
    return "?next=" + escape(urlencode(full_path))


@register.simple_tag(takes_context=True)
def site_header(context):
    if context.get("user") is not None and context["user"].is_authenticated:
        return _kept("includes/header.html", context.get("site_name"), user=_SignedIn())
    header = _kept("includes/header.html", context.get("site_name"), sign_in_query=_SIGN_IN_QUERY)
    return mark_safe(header.replace(_SIGN_IN_QUERY, sign_in_query(context)))  # noqa: S308 — our own template's output, and an escaped address


@register.simple_tag(takes_context=True)
def site_footer(context):
    return _kept("includes/footer.html", context.get("site_name"))
