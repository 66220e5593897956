"""
One rendering of a briefing for every channel that leaves the site (e-mail, digests,
private feeds): what the page would show this reader at this moment, and nothing more.

The parts come from `briefings.reading` (the same queryset and the same access questions
as the page), for the reader's status at send time (`members.selectors.reader_status`):
a membership that has ended by then reads the public version. A `ChannelRenderer` keeps
each briefing once per audience and each rendering once per reader state, so sending the
same briefing to thousands of members renders it a handful of times.
"""

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string

from briefings.models import Briefing
from briefings.reading import ReaderBriefing, briefing_for_reader, reader_briefing_queryset
from members.access import ReaderStatus

# A signal brief's public sheet, as the page shows it: (heading, field of one item a line).
SIGNAL_SHEET = (
    ("Operating surface", "operating_surface"),
    ("Market context", "market_context"),
    ("What to watch", "watch_items"),
)


def absolute(path: str) -> str:
    """A site path as a full address, for places outside a request (e-mails, feeds)."""
    if path.startswith(("http://", "https://")):
        return path
    return f"{settings.SITE_URL}{path}"


@dataclass(frozen=True)
class ChannelBriefing:
    """A briefing as one reader may read it outside the site, in HTML and in plain text."""

    briefing: Briefing
    reading: ReaderBriefing
    url: str
    html: str
    text: str


class ChannelRenderer:
    """
    Renders briefings for readers, remembering what it fetched and rendered: use one per
    batch of sends (or one feed request) and throw it away, so nothing outlives the batch.
    """

    def __init__(self):
        self._briefings: dict[tuple[int, int], Briefing | None] = {}
        self._renderings: dict[tuple[int, str], ChannelBriefing | None] = {}

    def briefing(self, briefing_id: int, reader: ReaderStatus) -> ChannelBriefing | None:
        """`briefing_id` as `reader` may read it now, or None when it is not live."""
        key = (briefing_id, reader.cache_key())
        if key not in self._renderings:
            briefing = self._fetch(briefing_id, reader)
            self._renderings[key] = None if briefing is None else self._render(briefing, reader)
        return self._renderings[key]

    def fetched(self, briefing: Briefing, reader: ReaderStatus) -> ChannelBriefing:
        """
        `briefing`, already fetched with `reader_briefing_queryset(reader.audience)` (a
        feed fetches its briefings in one go), as `reader` may read it. Remembered as
        `briefing()` remembers, so asking `briefing(briefing.pk, reader)` later costs nothing.
        """
        self._briefings.setdefault((briefing.pk, int(reader.audience)), briefing)
        key = (briefing.pk, reader.cache_key())
        if key not in self._renderings:
            self._renderings[key] = self._render(briefing, reader)
        return self._renderings[key]

    def _fetch(self, briefing_id: int, reader: ReaderStatus) -> Briefing | None:
        key = (briefing_id, int(reader.audience))
        if key not in self._briefings:
            self._briefings[key] = (
                reader_briefing_queryset(reader.audience).filter(pk=briefing_id).first()
            )
        return self._briefings[key]

    def _render(self, briefing: Briefing, reader: ReaderStatus) -> ChannelBriefing:
        path = briefing.get_absolute_url()
        reading = briefing_for_reader(
            briefing,
            audience=reader.audience,
            is_authenticated=reader.is_authenticated,
            lapsed=reader.lapsed,
            next_path=path,
        )
        context = {
            "briefing": briefing,
            "reading": reading,
            "url": absolute(path),
            "lock_cards": [
                {"card": card, "url": absolute(card.url)} for card in reading.lock_cards
            ],
            "site_url": settings.SITE_URL,
            "signal_sheet": SIGNAL_SHEET,
        }
        return ChannelBriefing(
            briefing=briefing,
            reading=reading,
            url=absolute(path),
            html=render_to_string("delivery/channel/briefing.html", context),
            text=render_to_string("delivery/channel/briefing.txt", context),
        )
