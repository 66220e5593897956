"""The access answers the reader's side asks: which search documents hold a part, lock cards."""

from members import access
from members.access import Audience, LockAction
from members.offers import lock_offer


def test_a_public_part_is_in_every_search_document():
    assert access.search_documents_holding(Audience.PUBLIC) == access.SEARCH_DOCUMENT_AUDIENCES


def test_a_part_is_held_exactly_by_the_documents_of_readers_who_may_read_it():
    for part in Audience:
        holding = access.search_documents_holding(part)
        for document in access.SEARCH_DOCUMENT_AUDIENCES:
            assert (document in holding) == access.can_read(document, part)


def test_source_notes_are_only_in_the_documents_of_readers_of_source_notes():
    holding = access.search_documents_holding(access.SOURCE_NOTE_AUDIENCE)
    assert holding
    assert all(access.can_read_source_notes(document) for document in holding)
    assert Audience.PUBLIC not in holding


def test_only_joining_an_open_tier_signed_out_leads_to_signing_up():
    for tier in access.TIERS:
        for action in LockAction:
            for signed_in in (False, True):
                offer = lock_offer(tier, action=action, name=tier.label, is_authenticated=signed_in)
                expected = tier in access.OPEN_TIERS and action == LockAction.JOIN
                assert offer.signs_up == (expected and not signed_in)
