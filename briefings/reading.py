"""
What a reader may see of a briefing, decided by the access rule.

The page, and every other channel that shows a briefing (feeds, search, JSON-LD), starts
from `reader_briefing_queryset(audience)` and `briefing_for_reader(...)`: the first fetches
only the sections and citation fields the reader may read, the second turns that into
plain values a template renders without comparing tiers. Lock cards are worked out from
annotations (which gated audiences exist), never from gated text.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import reverse

from briefings.caching import remember
from briefings.models import Briefing, Citation, Section
from members import access
from members.access import Audience, LockAction, ReaderStatus
from members.models import Tier
from members.redirects import with_next

# The CSS class on every rendered section above public; structured data points at it.
GATED_SECTION_CLASS = "gated-section"


@dataclass(frozen=True)
class VisibleSection:
    heading: str
    html: str
    audience: Audience
    is_gated: bool
    # The section's Markdown source: the plain-text part of e-mails (delivery.rendering).
    text: str = ""
    # The section's id on the page: `unlocked-<tier>` for the first of each tier (where a
    # reader who just joined is taken), `section-<n>` for the others.
    anchor: str = ""

    @property
    def css_class(self) -> str:
        return f"briefing-section {GATED_SECTION_CLASS}" if self.is_gated else "briefing-section"

    @property
    def audience_label(self) -> str:
        return self.audience.label


@dataclass(frozen=True)
class VisibleCitation:
    source: object
    note_html: str = ""
    # Source notes are a gated part (members.access.can_read_source_notes): the same class
    # as gated sections, so structured data marks them as not free.
    note_css_class = f"source__note {GATED_SECTION_CLASS}"


def unlocked_anchor(tier) -> str:
    """The id of the first section of `tier` on a page that shows it."""
    return f"unlocked-{Audience(tier).slug}"


def lock_card_anchor(tier) -> str:
    """The id of the lock card for `tier`."""
    return f"unlock-{Audience(tier).slug}"


# Characters a reader reads in a minute: about 220 words of six characters with the space.
CHARACTERS_A_MINUTE = 1300


def reading_time(characters: int) -> str:
    """A section's length as a reader weighs it: "~3 min read"."""
    minutes = max(1, round(characters / CHARACTERS_A_MINUTE))
    return f"~{minutes} min read"


@dataclass(frozen=True)
class LockedPart:
    """
    What a tier would unlock, named by public facts only: the tier's kind of content (its
    editable `section_label`), how many sections and how long. Gated headings are part of
    the gated text (search indexes them with the section), so they are never named.
    """

    tier: Audience
    label: str
    sections: int
    length: str = ""
    is_source_notes: bool = False

    @property
    def description(self) -> str:
        if self.is_source_notes:
            return self.label
        count = f"{self.sections} section{'s' if self.sections != 1 else ''}"
        return f"{self.label}: {count}" + (f", {self.length}" if self.length else "")


@dataclass(frozen=True)
class OutlineItem:
    """One line of "In this briefing": a section (or the source notes) and its audience."""

    label: str
    audience: Audience
    anchor: str
    is_locked: bool
    length: str = ""

    @property
    def audience_label(self) -> str:
        return self.audience.label if access.is_gated(self.audience) else "Free"


@dataclass(frozen=True)
class LockCard:
    """One tier that would unlock more of the page, and what this reader should do."""

    tier: Audience
    name: str
    pitch: str
    offer: access.LockOffer
    url: str
    sign_in_url: str = ""
    unlocks: tuple[LockedPart, ...] = ()

    @property
    def action(self) -> LockAction:
        return self.offer.action

    @property
    def label(self) -> str:
        """The button's words, or where the reader stands when there is no button."""
        return self.offer.button or self.offer.status

    @property
    def anchor(self) -> str:
        return lock_card_anchor(self.tier)


@dataclass(frozen=True)
class ReaderBriefing:
    briefing: Briefing
    audience: Audience
    public_sections: list[VisibleSection] = field(default_factory=list)
    member_sections: list[VisibleSection] = field(default_factory=list)
    citations: list[VisibleCitation] = field(default_factory=list)
    shows_source_notes: bool = False
    lock_cards: list[LockCard] = field(default_factory=list)
    outline: list[OutlineItem] = field(default_factory=list)

    @property
    def sections(self) -> list[VisibleSection]:
        return self.public_sections + self.member_sections

    @property
    def is_fully_readable(self) -> bool:
        return not self.lock_cards

    @property
    def has_member_parts(self) -> bool:
        return any(item.audience != Audience.PUBLIC for item in self.outline)

    @property
    def first_offer(self) -> LockCard | None:
        """The lowest tier's card: its button is repeated at the top of the page."""
        return self.lock_cards[0] if self.lock_cards else None


def readable_parts(audience) -> list[Prefetch]:
    """
    The prefetches of exactly what a reader with `audience` may read: sections filtered
    by the access rule in the query, and citation notes left in the database for readers
    who may not read them.
    """
    citations = Citation.objects.select_related("source")
    if not access.can_read_source_notes(audience):
        citations = citations.defer("note", "note_html")
    return [
        Prefetch("sections", queryset=Section.objects.readable_by(audience)),
        Prefetch("citations", queryset=citations),
    ]


def reader_briefing_queryset(audience, *, queryset=None):
    """
    Briefings with their taxonomy, which gated parts exist and how long they are (for lock
    cards and "In this briefing"), and what a reader with `audience` may read prefetched:
    three queries whatever the size.
    """
    queryset = Briefing.objects.published() if queryset is None else queryset
    return (
        queryset.with_taxonomy()
        .with_gated_parts()
        .with_gated_outline()
        .prefetch_related(*readable_parts(audience))
    )


# --- Card markers ------------------------------------------------------------------------
# Cards are rendered once and shared by every reader (briefings.caching.shared_content),
# so a card holds a placeholder naming its member audiences (`<!--access:1.2-->`: public
# facts, as its lock cards are) and each reader's page fills it in: no query, no cache per
# reader. Text from the database is escaped in templates, so it can never spell one.
ACCESS_MARKER = re.compile(r"<!--access:([0-9.]*)-->")


def access_marker_placeholder(gated) -> str:
    audiences = sorted(int(a) for a in gated if access.is_gated(a))
    return f"<!--access:{'.'.join(str(a) for a in audiences)}-->" if audiences else ""


def access_markers_fill(html: str, reader) -> str:
    """`html` with every card's placeholder replaced by its marker for `reader`."""
    words = {}

    def marker(match) -> str:
        key = match.group(1)
        if key not in words:
            try:
                gated = [Audience(int(a)) for a in key.split(".") if a]
            except ValueError:
                gated = []
            label, state = access.card_access_words(reader.audience, gated)
            words[key] = (
                ""
                if not label
                else render_to_string(
                    "includes/card/access.html", {"label": label, "state": state}
                ).strip()
            )
        return words[key]

    return ACCESS_MARKER.sub(marker, html)


def access_markers_filled(response, reader):
    """A TemplateResponse whose cards are marked for `reader` once it is rendered."""

    def fill(rendered):
        rendered.content = access_markers_fill(rendered.content.decode(), reader).encode()

    response.add_post_render_callback(fill)
    return response


TIER_WORDING_KEY = "content:tier-wording"


def tier_wording() -> dict:
    """
    Each tier's editable wording (`members.models.Tier`) by audience, from the cache,
    where it stays until a tier is edited (briefings.apps connects that).
    """
    return remember(TIER_WORDING_KEY, lambda: {Audience(t.audience): t for t in Tier.objects.all()})


# The query parameter that names the lock card a reader followed (members.conversions).
CONVERSION_PARAMETER = "from"


def conversion_source(briefing, tier) -> str:
    """The `from` value of a lock card: which briefing, which tier."""
    return f"{briefing.pk}:{Audience(tier).slug}" if briefing.pk else ""


def lock_card_url(
    tier: Audience, offer: access.LockOffer, *, next_path: str, source: str = ""
) -> str:
    """Where a lock card's button leads; the reader comes back to `next_path` after."""
    if offer.signs_up:
        # Back on the briefing at the first section the new membership unlocks.
        url = with_next(reverse("account_signup"), f"{next_path}#{unlocked_anchor(tier)}")
    elif offer.action == LockAction.ACCEPT:
        return reverse("members:invitation-opened")
    else:
        url = with_next(reverse("members:tier", args=[tier.slug]), next_path)
    if source:
        url += ("&" if "?" in url else "?") + urlencode({CONVERSION_PARAMETER: source})
    return url


def locked_parts(briefing, *, audience, tier, tiers) -> tuple[LockedPart, ...]:
    """What `tier` unlocks of `briefing` for a reader with `audience`, lowest tier first."""
    outline = briefing.gated_outline()
    parts = []
    for part in access.TIERS:
        if access.can_read(audience, part) or not access.can_read(tier, part):
            continue
        if part in outline:
            count, characters = outline[part]
            parts.append(
                LockedPart(
                    tier=part,
                    label=section_label(tiers, part),
                    sections=count,
                    length=reading_time(characters),
                )
            )
    notes = access.SOURCE_NOTE_AUDIENCE
    if (
        getattr(briefing, "has_source_notes", False)
        and not access.can_read(audience, notes)
        and access.can_read(tier, notes)
    ):
        parts.append(LockedPart(tier=notes, label="Source notes", sections=0, is_source_notes=True))
    return tuple(parts)


def section_label(tiers, tier) -> str:
    record = tiers.get(Audience(tier))
    return (record.section_label if record else "") or f"{Audience(tier).label} sections"


def lock_cards_for(
    *,
    audience,
    gated_audiences,
    is_authenticated: bool,
    lapsed=(),
    pending=(),
    invited=(),
    next_path: str = "",
    tiers,
    briefing=None,
) -> list[LockCard]:
    """
    One card per tier that would unlock more of the page, lowest first. `tiers` maps an
    audience to its `members.models.Tier` (the editable wording); a missing one falls
    back to the audience's label.
    """
    cards = []
    for tier in access.tiers_that_unlock(audience, gated_audiences):
        action = access.lock_action(
            tier,
            is_authenticated=is_authenticated,
            lapsed=lapsed,
            pending=pending,
            invited=invited,
        )
        record = tiers.get(tier)
        name = record.name if record else tier.label
        offer = access.lock_offer(tier, action=action, name=name, is_authenticated=is_authenticated)
        source = conversion_source(briefing, tier) if briefing is not None else ""
        cards.append(
            LockCard(
                tier=tier,
                name=name,
                pitch=record.pitch if record else "",
                offer=offer,
                url=lock_card_url(tier, offer, next_path=next_path, source=source),
                sign_in_url=(
                    with_next(reverse("account_login"), next_path) if offer.offers_sign_in else ""
                ),
                unlocks=(
                    locked_parts(briefing, audience=audience, tier=tier, tiers=tiers)
                    if briefing is not None
                    else ()
                ),
            )
        )
    return cards


def outline_for(briefing, *, audience, public, member, tiers) -> list[OutlineItem]:
    """
    "In this briefing": every section in page order with its audience. Sections the
    reader reads are named by their headings; the others by their tier's kind of content
    and length, linking to the card that unlocks them.
    """
    items = [
        OutlineItem(
            label=s.heading or "Briefing", audience=s.audience, anchor=s.anchor, is_locked=False
        )
        for s in public
        if s.heading
    ]
    items += [
        OutlineItem(
            label=s.heading or s.audience_label,
            audience=s.audience,
            anchor=s.anchor,
            is_locked=False,
        )
        for s in member
    ]
    cards_for = access.tiers_that_unlock(audience, briefing.gated_audiences())
    for tier, (count, characters) in briefing.gated_outline().items():
        if access.can_read(audience, tier):
            continue
        # Linked to the lowest card that unlocks it.
        card = next((t for t in cards_for if access.can_read(t, tier)), tier)
        sections = f"{count} section{'s' if count != 1 else ''}"
        items.append(
            OutlineItem(
                label=section_label(tiers, tier),
                audience=tier,
                anchor=lock_card_anchor(card),
                is_locked=True,
                length=f"{sections}, {reading_time(characters)}",
            )
        )
    if getattr(briefing, "has_source_notes", False):
        notes = access.SOURCE_NOTE_AUDIENCE
        readable = access.can_read(audience, notes)
        card = next((t for t in cards_for if access.can_read(t, notes)), notes)
        items.append(
            OutlineItem(
                label="Source notes",
                audience=notes,
                anchor="sources-title" if readable else lock_card_anchor(card),
                is_locked=not readable,
            )
        )
    return items


def briefing_for_reader(
    briefing: Briefing,
    *,
    audience=None,
    is_authenticated: bool = False,
    lapsed=(),
    next_path: str = "",
    tiers=None,
    reader=None,
) -> ReaderBriefing:
    """
    What the reader may see of `briefing`, fetched by `reader_briefing_queryset(audience)`.
    `reader` (a `members.access.ReaderStatus`) stands for `audience`, `is_authenticated`
    and `lapsed` and adds the reader's pending applications and invitations. `tiers` is a
    mapping of audience to Tier record; when None it comes from the cache (`tier_wording`).
    """
    if reader is None:
        reader = ReaderStatus(
            audience=Audience(audience or Audience.PUBLIC),
            is_authenticated=is_authenticated,
            lapsed=frozenset(Audience(t) for t in lapsed),
        )
    audience = Audience(reader.audience)
    public, member = [], []
    first_of_tier = set()
    for section in briefing.sections.all():
        # The query already filtered; asking again keeps a wrongly prefetched briefing safe.
        if not access.can_read(audience, section.audience):
            continue
        gated = access.is_gated(section.audience)
        part = Audience(section.audience)
        if gated and part not in first_of_tier:
            first_of_tier.add(part)
            anchor = unlocked_anchor(part)
        else:
            anchor = f"section-{len(public) + len(member) + 1}"
        visible = VisibleSection(
            heading=section.heading,
            html=section.body_html,
            audience=part,
            is_gated=gated,
            text=section.body,
            anchor=anchor,
        )
        (member if visible.is_gated else public).append(visible)

    shows_notes = access.can_read_source_notes(audience)
    citations = [
        VisibleCitation(source=c.source, note_html=c.note_html if shows_notes else "")
        for c in briefing.citations.all()
    ]

    gated = briefing.gated_audiences()
    cards = []
    locked = access.tiers_that_unlock(audience, gated)
    if locked and tiers is None:
        tiers = tier_wording()
    if locked:
        cards = lock_cards_for(
            audience=audience,
            gated_audiences=gated,
            is_authenticated=reader.is_authenticated,
            lapsed=reader.lapsed,
            pending=reader.pending,
            invited=reader.invited,
            next_path=next_path,
            tiers=tiers,
            briefing=briefing,
        )
    return ReaderBriefing(
        briefing=briefing,
        audience=audience,
        public_sections=public,
        member_sections=member,
        citations=citations,
        shows_source_notes=shows_notes,
        lock_cards=cards,
        outline=(
            outline_for(
                briefing, audience=audience, public=public, member=member, tiers=tiers or {}
            )
            if gated
            else []
        ),
    )
