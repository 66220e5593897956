"""
What a reader may see of a briefing, decided by the access rule.

The page, and every other channel that shows a briefing (feeds, search, JSON-LD), starts
from `reader_briefing_queryset(audience)` and `briefing_for_reader(...)`: the first fetches
only the sections and citation fields the reader may read, the second turns that into
plain values a template renders without comparing tiers. Lock cards are worked out from
annotations (which gated audiences exist), never from gated text.
"""

from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.urls import reverse

from briefings.caching import remember
from briefings.models import Briefing, Citation, Section
from members import access
from members.access import Audience, LockAction
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
    action: LockAction
    label: str
    url: str
    sign_in_url: str = ""


@dataclass(frozen=True)
class ReaderBriefing:
    briefing: Briefing
    audience: Audience
    public_sections: list[VisibleSection] = field(default_factory=list)
    member_sections: list[VisibleSection] = field(default_factory=list)
    citations: list[VisibleCitation] = field(default_factory=list)
    shows_source_notes: bool = False
    lock_cards: list[LockCard] = field(default_factory=list)

    @property
    def sections(self) -> list[VisibleSection]:
        return self.public_sections + self.member_sections

    @property
    def is_fully_readable(self) -> bool:
        return not self.lock_cards


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
    Briefings with their taxonomy, which gated parts exist (for lock cards), and what a
    reader with `audience` may read prefetched: three queries whatever the size.
    """
    queryset = Briefing.objects.published() if queryset is None else queryset
    return (
        queryset.with_taxonomy()
        .with_images()
        .with_gated_parts()
        .prefetch_related(*readable_parts(audience))
    )


TIER_WORDING_KEY = "content:tier-wording"


def tier_wording() -> dict:
    """
    Each tier's editable wording (`members.models.Tier`) by audience, from the cache,
    where it stays until a tier is edited (briefings.apps connects that).
    """
    return remember(TIER_WORDING_KEY, lambda: {Audience(t.audience): t for t in Tier.objects.all()})


def lock_card_url(tier: Audience, action: LockAction, *, next_path: str) -> str:
    """Where a lock card's button leads; the reader comes back to `next_path` after."""
    if access.lock_card_signs_up(tier, action):
        return with_next(reverse("account_signup"), next_path)
    return with_next(reverse("members:tier", args=[tier.slug]), next_path)


def _button_label(tier_record, tier: Audience, action: LockAction) -> str:
    name = tier_record.name if tier_record else tier.label
    if action == LockAction.RENEW:
        return f"Renew {name}"
    if action == LockAction.APPLY:
        return f"Apply for {name}"
    return tier_record.join_label if tier_record else f"Join {name}"


def lock_cards_for(
    *, audience, gated_audiences, is_authenticated: bool, lapsed=(), next_path: str = "", tiers
) -> list[LockCard]:
    """
    One card per tier that would unlock more of the page, lowest first. `tiers` maps an
    audience to its `members.models.Tier` (the editable wording); a missing one falls
    back to the audience's label.
    """
    cards = []
    for tier in access.tiers_that_unlock(audience, gated_audiences):
        action = access.lock_action(tier, is_authenticated=is_authenticated, lapsed=lapsed)
        record = tiers.get(tier)
        cards.append(
            LockCard(
                tier=tier,
                name=record.name if record else tier.label,
                pitch=record.pitch if record else "",
                action=action,
                label=_button_label(record, tier, action),
                url=lock_card_url(tier, action, next_path=next_path),
                sign_in_url=(
                    "" if is_authenticated else with_next(reverse("account_login"), next_path)
                ),
            )
        )
    return cards


def briefing_for_reader(
    briefing: Briefing,
    *,
    audience,
    is_authenticated: bool = False,
    lapsed=(),
    next_path: str = "",
    tiers=None,
) -> ReaderBriefing:
    """
    What the reader may see of `briefing`, fetched by `reader_briefing_queryset(audience)`.
    `tiers` is a mapping of audience to Tier record; when None and lock cards are needed
    it comes from the cache (`tier_wording`).
    """
    audience = Audience(audience)
    public, member = [], []
    for section in briefing.sections.all():
        # The query already filtered; asking again keeps a wrongly prefetched briefing safe.
        if not access.can_read(audience, section.audience):
            continue
        visible = VisibleSection(
            heading=section.heading,
            html=section.body_html,
            audience=Audience(section.audience),
            is_gated=access.is_gated(section.audience),
            text=section.body,
        )
        (member if visible.is_gated else public).append(visible)

    shows_notes = access.can_read_source_notes(audience)
    citations = [
        VisibleCitation(source=c.source, note_html=c.note_html if shows_notes else "")
        for c in briefing.citations.all()
    ]

    gated = briefing.gated_audiences()
    cards = []
    if access.tiers_that_unlock(audience, gated):
        if tiers is None:
            tiers = tier_wording()
        cards = lock_cards_for(
            audience=audience,
            gated_audiences=gated,
            is_authenticated=is_authenticated,
            lapsed=lapsed,
            next_path=next_path,
            tiers=tiers,
        )
    return ReaderBriefing(
        briefing=briefing,
        audience=audience,
        public_sections=public,
        member_sections=member,
        citations=citations,
        shows_source_notes=shows_notes,
        lock_cards=cards,
    )
