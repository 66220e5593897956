"""
What a reader may see of a briefing, decided by the access rule.

The page, and every other channel that shows a briefing (feeds, search, JSON-LD), starts
from `reader_briefing_queryset(audience)` and `briefing_for_reader(...)`: the first fetches
only the sections and citation fields the reader may read, the second turns that into
plain values a template renders without comparing tiers. Lock cards are worked out from
annotations (which gated audiences exist), never from gated text.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Prefetch
from django.urls import reverse

from briefings.caching import remember
from briefings.models import Briefing, Citation, Section
from briefings.outline import (
    LockedPart,
    OutlineItem,
    lock_card_anchor,
    locked_parts,
    outline_for,
    unlocked_anchor,
    with_gated_outline,
)
from members import access
from members.access import Audience, LockAction, ReaderStatus
from members.models import Tier
from members.offers import LockOffer, lock_offer
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


@dataclass(frozen=True)
class LockCard:
    """One tier that would unlock more of the page, and what this reader should do."""

    tier: Audience
    name: str
    pitch: str
    offer: LockOffer
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
    def first_offer(self) -> LockCard | None:
        """
        The card whose button is repeated at the top of the page: an opened invitation's
        (it unlocks the most, and is what this reader came for), else the lowest tier's.
        """
        invited = [card for card in self.lock_cards if card.action == LockAction.ACCEPT]
        return (invited or self.lock_cards or [None])[0]


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
    queryset = with_gated_outline(queryset.with_taxonomy().with_images().with_gated_parts())
    return queryset.prefetch_related(*readable_parts(audience))


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
    tier: Audience, offer: LockOffer, *, next_path: str, source: str = "", on_briefing: bool = True
) -> str:
    """
    Where a lock card's button leads; the reader comes back to `next_path` after, on a
    briefing (`on_briefing`) at the first section the new membership unlocks.
    """
    if offer.signs_up:
        back = f"{next_path}#{unlocked_anchor(tier)}" if on_briefing else next_path
        url = with_next(reverse("account_signup"), back)
    elif offer.action == LockAction.ACCEPT:
        return reverse("members:invitation-opened")
    else:
        url = with_next(reverse("members:tier", args=[tier.slug]), next_path)
    if source:
        url += ("&" if "?" in url else "?") + urlencode({CONVERSION_PARAMETER: source})
    return url


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
        offer = lock_offer(tier, action=action, name=name, is_authenticated=is_authenticated)
        source = conversion_source(briefing, tier) if briefing is not None else ""
        cards.append(
            LockCard(
                tier=tier,
                name=name,
                pitch=record.pitch if record else "",
                offer=offer,
                url=lock_card_url(
                    tier,
                    offer,
                    next_path=next_path,
                    source=source,
                    on_briefing=briefing is not None,
                ),
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


def visible_sections(briefing, audience) -> tuple[list[VisibleSection], list[VisibleSection]]:
    """The public and the member sections a reader with `audience` reads, in order."""
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

    return public, member


def reader_facts(reader) -> dict:
    """The facts about a reader that choose each lock card's action."""
    return {
        "is_authenticated": reader.is_authenticated,
        "lapsed": reader.lapsed,
        "pending": reader.pending,
        "invited": reader.invited,
    }


def reader_offer(reader, *, next_path: str, tiers=None) -> LockCard | None:
    """
    The first offer for a reader on pages that are not one briefing (home): the lowest
    tier that would unlock more for them, worded for their state (join, apply, renew,
    pending, invited), or None for a reader who already reads everything.
    """
    if not access.tiers_that_unlock(reader.audience, access.TIERS):
        return None
    cards = lock_cards_for(
        audience=reader.audience,
        gated_audiences=access.TIERS,
        **reader_facts(reader),
        next_path=next_path,
        tiers=tier_wording() if tiers is None else tiers,
    )
    return cards[0] if cards else None


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
    public, member = visible_sections(briefing, audience)

    shows_notes = access.can_read_source_notes(audience)
    citations = [
        VisibleCitation(source=c.source, note_html=c.note_html if shows_notes else "")
        for c in briefing.citations.all()
    ]

    gated = briefing.gated_audiences()
    cards = []
    if access.tiers_that_unlock(audience, gated):
        tiers = tier_wording() if tiers is None else tiers
        cards = lock_cards_for(
            audience=audience,
            gated_audiences=gated,
            **reader_facts(reader),
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
