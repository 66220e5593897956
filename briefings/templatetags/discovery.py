"""Template tags for search snippets, canonical links, feed links and JSON-LD."""

import functools

from django import template
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.urls import get_script_prefix, reverse

from briefings import search, seo
from briefings.search import results
from members import access

register = template.Library()


@register.filter
def highlight(snippet, text=""):
    """A search snippet as HTML: escaped, with only the highlight marks as <mark>."""
    return search.highlight(snippet, text)


@register.simple_tag(takes_context=True)
def canonical_url(context, path=None):
    """
    The page's canonical address: its path without filters or tracking parameters, but
    keeping a page number beyond the first, on the host the request came in on.
    """
    request = context.get("request")
    if request is None:
        return ""
    try:
        url = request.build_absolute_uri(path or request.path)
    except DisallowedHost:
        # The 400 page for a request to a host we do not serve: name our own.
        url = settings.SITE_URL + (path or request.path)
    page = request.GET.get("page", "")
    if path is None and page.isdigit() and int(page) > 1:
        url += f"?page={int(page)}"
    return url


# What includes/seo/meta.html reads from its context besides the request.
_META_VARIABLES = (
    "canonical_path",
    "seo_title",
    "seo_description",
    "robots",
    "og_type",
    "share_briefing",
    "site_name",
)
# Kept meta tags by everything they are made of: a few per host the site answers on.
_kept_meta: dict[tuple, str] = {}
_KEPT_META_MAX = 256


@register.simple_tag(takes_context=True)
def page_meta(context, **values):
    """
    `{% include "includes/seo/meta.html" with ... %}`, kept in this process for a page
    that shares no briefing (the search page): the include resolved a few dozen variables
    and filters on every page. The tags name no reader; they are kept by the page's
    canonical address (whose host the share image's address shares), every variable the
    template reads and the settings it shows.
    """
    with context.push(**values):
        if context.get("share_briefing") is not None:
            return _meta(context)
        key = (
            canonical_url(context),
            *(context.get(name) for name in _META_VARIABLES),
            settings.SHARE_IMAGE_URL,
            settings.SHARE_IMAGE_ALT,
        )
        html = _kept_meta.get(key)
        if html is None:
            if len(_kept_meta) >= _KEPT_META_MAX:
                _kept_meta.clear()
            html = _kept_meta[key] = _meta(context)
        return html


def _meta(context):
    """The meta tags, as `{% include %}` renders them."""
    return context.template.engine.get_template("includes/seo/meta.html").render(context)


@register.inclusion_tag("includes/seo/feeds.html")
def feed_links(term=None):
    """<link rel="alternate"> tags: a coverage term's own feeds first, then the latest."""
    links = []
    if term is not None:
        kind = term._meta.model_name
        for fmt in ("rss", "atom"):
            url = _feed_url(f"briefings:feed-{kind}-{fmt}", term.slug, get_script_prefix())
            links.append((fmt, f"{settings.SITE_NAME}: {term}", url))
    for fmt in ("rss", "atom"):
        url = _feed_url(f"briefings:feed-latest-{fmt}", None, get_script_prefix())
        links.append((fmt, f"{settings.SITE_NAME}: latest briefings", url))
    return {"links": links}


@functools.lru_cache(maxsize=1024)
def _feed_url(name: str, slug: str | None, prefix: str) -> str:
    """A feed's address, reversed once per process (on every page it was four reversals)."""
    return reverse(name, args=[slug] if slug is not None else None)


@register.simple_tag(takes_context=True)
def briefing_jsonld(context, briefing):
    """
    The briefing's NewsArticle JSON-LD. The gated parts the page renders are the gated
    sections of the view's `reading` (briefings.reading), or, without one, those the
    page's `audience` (else the reader's own) may read.
    """
    request = context["request"]
    parts = seo.part_audiences(briefing)
    reading = context.get("reading")
    if reading is not None:
        shown = access.gated_parts_rendered(
            [section.audience for section in reading.sections],
            source_notes_rendered=any(citation.note_html for citation in reading.citations),
        )
    else:
        audience = context.get("audience")
        shown = access.gated_parts_shown(request.audience if audience is None else audience, parts)
    data = seo.briefing_structured_data(
        briefing=briefing,
        url=request.build_absolute_uri(briefing.get_absolute_url()),
        site_name=settings.SITE_NAME,
        site_url=request.build_absolute_uri(reverse("briefings:home")),
        part_audiences=parts,
        shown_gated=shown,
        image=seo.share_image(briefing, absolute=request.build_absolute_uri),
    )
    return seo.json_ld_script(data)


@register.simple_tag(takes_context=True)
def share_image(context, briefing=None):
    """The share card's image (seo.share_image), its address made absolute for crawlers."""
    request = context.get("request")

    def absolute(path):
        if request is None:
            return settings.SITE_URL + path
        try:
            return request.build_absolute_uri(path)
        except DisallowedHost:
            return settings.SITE_URL + path

    return seo.share_image(briefing or None, absolute=absolute)


@register.simple_tag
def seo_page_title(briefing):
    return seo.page_title(briefing)


@register.simple_tag
def seo_share_title(briefing):
    return seo.share_title(briefing)


@register.simple_tag
def seo_description(briefing):
    return seo.description(briefing)


@register.simple_tag
def briefing_keywords(briefing):
    return seo.keywords(briefing)


@register.simple_tag
def briefing_modified_at(briefing):
    return seo.modified_at(briefing)


@register.simple_tag
def search_result_items(briefings, query=""):
    """A page of search results' lines (briefings.search.results)."""
    return results.result_items(briefings, query)
