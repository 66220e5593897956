"""The access rule's answers for search documents and search-engine markup."""

from members import access
from members.access import Audience


def test_each_reader_searches_the_document_of_their_own_audience():
    assert access.search_document_audience(Audience.PUBLIC) == Audience.PUBLIC
    assert access.search_document_audience(Audience.STRATEGIC_CIRCLE) == Audience.STRATEGIC_CIRCLE
    assert (
        access.search_document_audience(Audience.LEADERSHIP_ALLIANCE)
        == Audience.LEADERSHIP_ALLIANCE
    )


def test_the_searched_document_never_holds_parts_above_the_reader():
    for reader in Audience:
        document = access.search_document_audience(reader)
        for part in Audience:
            if access.can_read(document, part):
                assert access.can_read(reader, part)


def test_a_briefing_is_free_only_when_every_part_is_public():
    assert access.is_accessible_for_free([Audience.PUBLIC])
    assert not access.is_accessible_for_free([Audience.PUBLIC, Audience.STRATEGIC_CIRCLE])
    assert not access.is_accessible_for_free([access.SOURCE_NOTE_AUDIENCE])


def test_gated_parts_shown_are_the_gated_parts_the_reader_may_read():
    parts = [Audience.PUBLIC, Audience.STRATEGIC_CIRCLE, Audience.LEADERSHIP_ALLIANCE]
    assert access.gated_parts_shown(Audience.PUBLIC, parts) == []
    assert access.gated_parts_shown(Audience.STRATEGIC_CIRCLE, parts) == [Audience.STRATEGIC_CIRCLE]
    assert access.gated_parts_shown(Audience.LEADERSHIP_ALLIANCE, parts) == [
        Audience.STRATEGIC_CIRCLE,
        Audience.LEADERSHIP_ALLIANCE,
    ]
    assert access.gated_parts_shown(Audience.LEADERSHIP_ALLIANCE, [Audience.PUBLIC]) == []
