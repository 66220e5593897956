"""
The page chrome every page shares (the header, the footer), rendered once per process.

They name no reader: the footer is the same for everyone, and the header differs only in
whether someone is signed in (an account link, or a sign-in link that names the page to
come back to). The footer, and the header for a signed-in reader, are rendered once with
nothing but the site's name and kept in this process, keyed by what their links depend
on; each `{% url %}` in them cost a reversal on every signed-in page. The header for
anyone else is rendered afresh (its sign-in link names this page), and such pages come
from the page cache.
"""

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import mark_safe

register = template.Library()

# Rendered fragments by (template, site name, script prefix, URLconf): a handful at most.
_rendered: dict[tuple, str] = {}


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


@register.simple_tag(takes_context=True)
def site_header(context):
    if context.get("user") is not None and context["user"].is_authenticated:
        return _kept("includes/header.html", context.get("site_name"), user=_SignedIn())
    return mark_safe(render_to_string("includes/header.html", context.flatten()))  # noqa: S308 — our own template's output


@register.simple_tag(takes_context=True)
def site_footer(context):
    return _kept("includes/footer.html", context.get("site_name"))
