"""
The change form's preview of a briefing in search results and as a share card, beside
its search and sharing fields (static/js/search-preview.js updates it as the editor
types, with the same fallbacks: the title and summary when the fields are empty).

What it shows comes from briefings.seo, the functions the page's own <title>, meta
description and OpenGraph tags use, so the preview cannot drift from the page; the card's
image is `seo.share_image`, the page's og:image.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from briefings import seo
from briefings.models import Briefing

SLUG_MARK = "slug-goes-here"


def cut(text: str, limit: int) -> str:
    """What a search result shows of `text`: cut at a word before `limit`, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return head.rstrip(" ,;:.·-") + " …"


def preview_html(briefing: Briefing) -> str:
    host = urlsplit(settings.SITE_URL).netloc or settings.SITE_URL
    before, after = reverse("briefings:detail", args=[SLUG_MARK]).split(SLUG_MARK)
    path = (before + (briefing.slug or "") + after).strip("/")
    return render_to_string(
        "admin/briefings/briefing/search_preview.html",
        {
            "site_name": settings.SITE_NAME,
            "host": host,
            "path_prefix": before,
            "path_suffix": after,
            "crumbs": [host, *[p for p in path.split("/") if p]],
            "result_title": cut(seo.page_title(briefing), seo.TITLE_GUIDE),
            "card_title": seo.share_title(briefing),
            "description": seo.description(briefing),
            "result_description": cut(seo.description(briefing), seo.DESCRIPTION_GUIDE),
            "image": seo.share_image(briefing),
            "title_guide": seo.TITLE_GUIDE,
            "description_guide": seo.DESCRIPTION_GUIDE,
        },
    )
