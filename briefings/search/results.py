"""
A page of search results as HTML, written out in Python rather than through a template.

Twenty result lines through the template engine resolve a dozen variables and filters
each: 2.3-3.4 ms of CPU per page on the bench machine under load, against 1.0-1.3 ms for
the same markup joined here (issue 22, 100,000 briefings). The output is the template's,
line for line (tests/briefings/test_search_results.py holds the template as reference):
everything from the database is escaped, and the parts that are already HTML (the
picture, the <time>, the access marker, the highlighted snippet) come from the same
helpers the templates use.
"""

import html

from django.utils import formats
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from briefings import hot_paths
from briefings.images import markup
from briefings.markers import access_marker_placeholder
from briefings.search.text import highlight

SUMMARY_WORDS = 40
QUERY_CHARS = 80  # of the query the summary repeats
_GAP = "      \n        "


def result_items(briefings, query: str) -> SafeString:
    """The `<li>` of each result, in order (the list partial of briefings/search.html)."""
    line = _Lines(query)
    return mark_safe("".join(line(briefing) for briefing in briefings))  # noqa: S308


def results_summary(*, query: str, page, capped: bool, narrowed: bool) -> SafeString:
    """
    The line above the results: how many match, which page this is, or what to try
    instead. It was a partial of briefings/search.html, written here for the reason the
    lines are (tests/briefings/test_search_results.py holds the partial as reference).
    """
    paginator = page.paginator
    count = formats.localize(paginator.count)
    quoted = f"“{_escape(Truncator(query).chars(QUERY_CHARS))}”"
    if capped:
        text = (
            f"More than {count} briefings match {quoted}: these are the best of the {count}"
            " newest. Add words or a filter to narrow the search."
        )
    elif paginator.count:
        text = f"{count} briefing{'' if paginator.count == 1 else 's'}"
        text += f" for {quoted}" if query else ""
        if page.has_other_pages():
            text += f", page {formats.localize(page.number)} of "
            text += formats.localize(paginator.num_pages)
        text += "."
    else:
        text = "No published briefing matches" + (f" {quoted}" if query else "")
        text += " with these filters" if narrowed else ""
        text += ". Try fewer or different words" + (", or clear a filter" if narrowed else "")
        text += "."
    # Spaced as the partial was, so the page is byte for byte what it was.
    html = f'\n    <p class="search-summary" role="status">\n{_GAP}{text}\n      \n    </p>\n'
    return mark_safe(html)  # noqa: S308 - the query is escaped; the rest is ours and numbers


def _escape(value) -> str:
    """
    What the template's autoescape does to a plain string (Django's `escape`), without
    the lazy-string wrapper around it, which was about a quarter of this module's time.
    """
    return html.escape(str(value))


def _words(text: str, count: int) -> str:
    """`Truncator(text).words(count, truncate=" …")`, without the lazy object it wraps."""
    words = str(text).split()
    if len(words) <= count:
        return " ".join(words)
    cut = " ".join(words[:count])
    return cut if cut.endswith(" …") else f"{cut} …"


class _Lines:
    """
    Writes one page's lines. What a line reads of the request (the URLconf, the script
    prefix, the time zone and language) is read once for the page rather than per line:
    each was a read of a context-local, a dozen per line. The links are the slugs'
    addresses, as `get_absolute_url` gives them for a briefing and a category.
    """

    def __init__(self, query: str):
        self.query = query
        self.detail_url = hot_paths.slug_urls("briefings:detail")
        self.category_url = hot_paths.slug_urls("briefings:category")
        self.time_element = hot_paths.time_elements()
        self.kinds = {}  # a kind's label, escaped, in this page's language

    def kind(self, briefing) -> str:
        label = self.kinds.get(briefing.kind)
        if label is None:
            label = self.kinds[briefing.kind] = _escape(briefing.get_kind_display())
        return label

    def __call__(self, briefing) -> str:
        esc = _escape
        image = briefing.lead_image if briefing.lead_image_id else None
        meta = f'<span class="card__kind">{self.kind(briefing)}</span>'
        category = briefing.category
        if category:
            link = esc(self.category_url(category.slug))
            meta += f' <span aria-hidden="true">/</span> <a href="{link}">{esc(category.name)}</a>'
        if briefing.published_at:
            meta += f' <span aria-hidden="true">·</span> {self.time_element(briefing.published_at)}'
        summary = _words(briefing.summary, SUMMARY_WORDS)
        snippet = getattr(briefing, "snippet", "")
        parts = [
            f'<li class="search-result{" search-result--image" if image else ""}">',
            (
                f'<div class="search-result__image">{markup.picture(image, placement="card")}</div>'
                if image
                else ""
            ),
            f'<p class="card__meta">{meta}</p>',
            f'<h2 class="search-result__title"><a href="{esc(self.detail_url(briefing.slug))}">'
            f"{esc(briefing.title)}</a></h2>",
            f'<p class="search-result__summary">{esc(summary)}</p>',
            (
                f'<p class="search-result__snippet">{highlight(snippet, self.query)}</p>'
                if snippet
                else ""
            ),
            # Digits and dots only (access_marker_placeholder): nothing from the database.
            access_marker_placeholder(briefing.gated_audiences()),
            "</li>",
        ]
        return "\n".join(part for part in parts if part)
