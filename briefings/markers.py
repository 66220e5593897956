"""
Card markers: whether a briefing has member parts, and whether this reader opens them.

Cards are rendered once and shared by every reader (briefings.caching.shared_content),
so a card holds a placeholder naming its member audiences (`<!--access:1.2-->`: public
facts, as its lock cards are) and each reader's page fills it in: no cache per reader,
and no query but the reader's own. Text from the database is escaped in templates (a `<`
becomes `&lt;`), so it can never spell a placeholder.
"""

import functools
import re

from django.template.loader import render_to_string

from members import access
from members.access import Audience
from members.offers import card_access_words

ACCESS_MARKER = re.compile(r"<!--access:([0-9.]*)-->")


def access_marker_placeholder(gated) -> str:
    audiences = sorted(int(a) for a in gated if access.is_gated(a))
    return f"<!--access:{'.'.join(str(a) for a in audiences)}-->" if audiences else ""


@functools.lru_cache(maxsize=256)
def _marker_html(audience: int, key: str) -> str:
    """A card's marker for a reader of `audience` (its words say nothing else of them)."""
    try:
        gated = [Audience(int(a)) for a in key.split(".") if a]
    except ValueError:
        gated = []
    label, state = card_access_words(audience, gated)
    if not label:
        return ""
    return render_to_string("includes/card/access.html", {"label": label, "state": state}).strip()


def access_markers_fill(html: str, reader) -> str:
    """`html` with every card's placeholder replaced by its marker for `reader`."""
    audience = None  # asked only of a page with cards: a list page needs no standing

    def marker(match) -> str:
        nonlocal audience
        if audience is None:
            audience = int(reader.audience)
        return _marker_html(audience, match.group(1))

    return ACCESS_MARKER.sub(marker, html)


def access_markers_filled(response, reader):
    """A TemplateResponse whose cards are marked for `reader` once it is rendered."""

    def fill(rendered):
        rendered.content = access_markers_fill(rendered.content.decode(), reader).encode()

    response.add_post_render_callback(fill)
    return response
