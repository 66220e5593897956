"""Shared helpers for the briefings tests."""

import re
from html.parser import HTMLParser
from pathlib import Path

SEEDS = Path(__file__).resolve().parents[2] / "briefings" / "demo" / "seeds"
SEED_001 = SEEDS / "001_4b267acfd4c12cd2.txt"
SEED_000 = SEEDS / "000_a75fe525539698b8.txt"
SEED_001_SLUG = "hkstp-and-sensetime-partner-on-hong-kong-ai-data-centre"


class _TextParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style", "head"}:
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in {"script", "style", "head"} and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The text a reader sees in the page body, entities decoded."""
    parser = _TextParser()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def squash(text: str) -> str:
    """Text without whitespace, so "CategoryDatacenter" matches "Category Datacenter"."""
    return re.sub(r"\s+", "", text)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# Words of `factories.gated_briefing`'s public, Strategic Circle and Leadership Alliance
# sections: every reader finds the briefing, each with the snippets of what they may read.
GATED_SEARCH = "fact OR trend OR failure"


def reader_page_addresses(briefing) -> dict[str, str]:
    """The address of each signed-in reader page that shows `briefing`, by page name."""
    from django.urls import reverse
    from django.utils.http import urlencode

    return {
        "briefing": briefing.get_absolute_url(),
        "home": reverse("briefings:home"),
        "list": reverse("briefings:list"),
        "category": briefing.category.get_absolute_url(),
        "region": briefing.region.get_absolute_url(),
        "topic": briefing.topic.get_absolute_url(),
        "search": reverse("briefings:search") + "?" + urlencode({"q": GATED_SEARCH}),
    }
