"""
"In this briefing" and what each lock card unlocks: every section with its audience,
named by public facts alone. A section the reader may read is named by its heading; one
they may not by its tier's kind of content (`Tier.section_label`), how many sections and
how long, worked out in the database without fetching a word of gated text. Gated
headings are gated text: search indexes them with their section's audience, and editors
write them as part of the members' text.
"""

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Subquery, Sum
from django.db.models.functions import Length

from briefings.models import Section
from members import access
from members.access import Audience


def gated_outline_annotations(tier) -> tuple[str, str]:
    """The names of the `with_gated_outline()` annotations (count, length) for `tier`."""
    slug = Audience(tier).slug.replace("-", "_")
    return f"{slug}_section_count", f"{slug}_section_length"


def with_gated_outline(queryset):
    """
    Annotate, for each tier, how many sections the briefing has at that audience and
    how long they are in characters, for the "In this briefing" list and lock cards:
    numbers worked out in the database, never a word of the text.
    """
    annotations = {}
    for tier in access.TIERS:
        at_tier = (
            Section.objects.filter(briefing=OuterRef("pk"), audience=tier)
            .order_by()
            .values("briefing")
        )
        count_name, length_name = gated_outline_annotations(tier)
        annotations[count_name] = Subquery(at_tier.annotate(n=Count("pk")).values("n")[:1])
        annotations[length_name] = Subquery(at_tier.annotate(n=Sum(Length("body"))).values("n")[:1])
    return queryset.annotate(**annotations)


def gated_outline(briefing) -> dict[Audience, tuple[int, int]]:
    """
    (number of sections, characters) at each tier that has sections, from the
    `with_gated_outline()` annotations; tiers are missing when fetched without them.
    """
    outline = {}
    for tier in access.TIERS:
        count_name, length_name = gated_outline_annotations(tier)
        count = getattr(briefing, count_name, None)
        if count:
            outline[tier] = (count, getattr(briefing, length_name, None) or 0)
    return outline


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


def locked_parts(briefing, *, audience, tier, tiers) -> tuple[LockedPart, ...]:
    """What `tier` unlocks of `briefing` for a reader with `audience`, lowest tier first."""
    outline = gated_outline(briefing)
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
    for tier, (count, characters) in gated_outline(briefing).items():
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
