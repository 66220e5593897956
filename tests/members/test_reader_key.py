"""The cache key of a reader is made from every fact about them, not from a list kept by hand."""

from dataclasses import field, fields, make_dataclass, replace

from briefings.caching import briefing_parts_key
from members.access import Audience, ReaderStatus

CIRCLE = Audience.STRATEGIC_CIRCLE
ALLIANCE = Audience.LEADERSHIP_ALLIANCE


def test_equal_readers_share_a_key_whatever_the_order_of_their_lapsed_tiers():
    one = ReaderStatus(audience=CIRCLE, is_authenticated=True, lapsed=frozenset([ALLIANCE, CIRCLE]))
    two = ReaderStatus(audience=CIRCLE, is_authenticated=True, lapsed=frozenset([CIRCLE, ALLIANCE]))
    assert one.cache_key() == two.cache_key()


def test_every_field_of_the_reader_is_in_the_key():
    reader = ReaderStatus()
    changed = {
        "audience": ALLIANCE,
        "is_authenticated": True,
        "lapsed": frozenset([ALLIANCE]),
        "pending": frozenset([ALLIANCE]),
        "invited": frozenset([ALLIANCE]),
    }
    assert set(changed) == {f.name for f in fields(ReaderStatus)}, "test every field"
    for name, value in changed.items():
        assert replace(reader, **{name: value}).cache_key() != reader.cache_key(), name


def test_a_field_added_to_the_reader_changes_the_key():
    # A new fact about the reader (say, the organisation they read for) that changes what
    # a page shows must separate their cached pages from everyone else's, with no one
    # remembering to add it to a key.
    reader_with_organisation = make_dataclass(
        "ReaderWithOrganisation",
        [("organisation", str, field(default=""))],
        bases=(ReaderStatus,),
        frozen=True,
    )
    plain = ReaderStatus(audience=CIRCLE, is_authenticated=True)
    extended = reader_with_organisation(audience=CIRCLE, is_authenticated=True)
    acme = reader_with_organisation(audience=CIRCLE, is_authenticated=True, organisation="Acme")
    assert len({plain.cache_key(), extended.cache_key(), acme.cache_key()}) == 3


def test_briefing_parts_key_follows_the_reader_key(db):
    url = "https://example.com/briefings/one/"
    reader = ReaderStatus(audience=CIRCLE, is_authenticated=True)
    lapsed = replace(reader, lapsed=frozenset([ALLIANCE]))
    assert briefing_parts_key(reader, url=url) == briefing_parts_key(reader, url=url)
    assert briefing_parts_key(reader, url=url) != briefing_parts_key(lapsed, url=url)
