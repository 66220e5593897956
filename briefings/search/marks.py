"""
Which gated parts a briefing has, as its search documents keep them for the markers on
its result lines (`SearchDocument.section_audiences`, `has_source_notes`): the facts the
cards read from the sections and citations themselves (`with_gated_parts`), written with
the documents (`search.documents`) and read by the page of results (`search.page`);
members.access says what they mean.
"""

from members import access
from members.access import Audience


def audiences_bits(audiences) -> int:
    """`section_audiences` for sections at `audiences`: bit `1 << audience` for each."""
    return sum(1 << audience for audience in set(audiences))


def tiers_in(bits: int) -> list[Audience]:
    """The tiers among the audiences `bits` holds (`section_audiences`)."""
    return [tier for tier in access.TIERS if bits >> tier & 1]
