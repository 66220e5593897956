"""One answer to "where does this reader stand towards a tier", for every page that asks."""

from datetime import UTC, datetime, timedelta

from members import access
from members.access import Audience, Term, TierStanding

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
CIRCLE, ALLIANCE = Audience.STRATEGIC_CIRCLE, Audience.LEADERSHIP_ALLIANCE


def term(tier, start, end=None):
    return Term(
        tier=tier, starts_at=NOW + start * DAY, ends_at=None if end is None else NOW + end * DAY
    )


def position(terms, **kwargs):
    return access.tier_position(access.APPLICATION_TIER, terms=terms, at=NOW, **kwargs)


def test_a_reader_with_nothing_may_apply_once_signed_in():
    assert position([]).standing == TierStanding.OPEN and position([]).may_apply
    assert not position([], is_authenticated=False).may_apply


def test_a_membership_granted_for_later_is_upcoming_and_not_applied_for():
    later = position([term(CIRCLE, -10), term(ALLIANCE, 5, 300)])
    assert later.is_upcoming and not later.may_apply


def test_a_member_near_the_end_renews_even_with_a_later_membership_after_a_gap():
    ending = position([term(ALLIANCE, -300, 10), term(ALLIANCE, 40, 400)])
    assert ending.is_renewable and ending.reads_tier and ending.may_renew and ending.may_apply


def test_a_renewal_that_carries_on_makes_a_plain_member():
    covered = position([term(ALLIANCE, -300, 10), term(ALLIANCE, 10, 400)])
    assert covered.is_member and not covered.may_apply


def test_pending_and_lapsed_are_told_apart():
    assert position([term(ALLIANCE, -400, -10)]).is_lapsed
    assert position([term(ALLIANCE, -400, -10)], has_pending_application=True).is_pending


def test_reading_permissions_come_from_the_tiers():
    assert [codename for codename, _ in access.reading_permissions()] == [
        access.permission_codename(tier) for tier in access.TIERS
    ]
    for tier in access.TIERS:
        assert access.permission_audience(access.permission_codename(tier)) == tier


def test_gated_parts_rendered_keeps_only_gated_parts_and_adds_notes_when_shown():
    rendered = [Audience.PUBLIC, CIRCLE, ALLIANCE]
    assert access.gated_parts_rendered(rendered) == [CIRCLE, ALLIANCE]
    assert access.gated_parts_rendered([CIRCLE], source_notes_rendered=True) == [
        CIRCLE,
        access.SOURCE_NOTE_AUDIENCE,
    ]
