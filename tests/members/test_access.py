"""The access rule, tested as plain functions: no database, no request."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from members import access
from members.access import Audience, LockAction, Term, TierStanding

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
PUBLIC, CIRCLE, ALLIANCE = Audience.PUBLIC, Audience.STRATEGIC_CIRCLE, Audience.LEADERSHIP_ALLIANCE


def term(tier, start=-30, end=None):
    return Term(
        tier=tier, starts_at=NOW + start * DAY, ends_at=None if end is None else NOW + end * DAY
    )


@pytest.mark.parametrize(
    ("audience", "required", "allowed"),
    [
        (PUBLIC, PUBLIC, True),
        (PUBLIC, CIRCLE, False),
        (PUBLIC, ALLIANCE, False),
        (CIRCLE, PUBLIC, True),
        (CIRCLE, CIRCLE, True),
        (CIRCLE, ALLIANCE, False),
        (ALLIANCE, PUBLIC, True),
        (ALLIANCE, CIRCLE, True),
        (ALLIANCE, ALLIANCE, True),
    ],
)
def test_can_read_follows_the_order_of_audiences(audience, required, allowed):
    assert access.can_read(audience, required) is allowed
    assert access.can_read(int(audience), int(required)) is allowed


def test_can_read_refuses_an_unknown_audience_rather_than_guessing():
    with pytest.raises(ValueError):
        access.can_read(7, PUBLIC)


def test_readable_audiences_are_what_query_filters_use():
    assert access.readable_audiences(PUBLIC) == [PUBLIC]
    assert access.readable_audiences(CIRCLE) == [PUBLIC, CIRCLE]
    assert access.readable_audiences(ALLIANCE) == [PUBLIC, CIRCLE, ALLIANCE]


def test_a_tier_is_reached_by_itself_and_the_tiers_above():
    assert access.tiers_reaching(Audience.STRATEGIC_CIRCLE) == [
        Audience.STRATEGIC_CIRCLE,
        Audience.LEADERSHIP_ALLIANCE,
    ]
    assert access.tiers_reaching(Audience.LEADERSHIP_ALLIANCE) == [Audience.LEADERSHIP_ALLIANCE]


@given(st.sampled_from(access.TIERS), st.sampled_from(access.TIERS))
def test_tiers_reaching_agrees_with_can_read(tier, held):
    assert (held in access.tiers_reaching(tier)) == access.can_read(held, tier)


def test_source_notes_are_leadership_alliance_only():
    assert access.SOURCE_NOTE_AUDIENCE == ALLIANCE
    assert not access.can_read_source_notes(PUBLIC)
    assert not access.can_read_source_notes(CIRCLE)
    assert access.can_read_source_notes(ALLIANCE)


def test_slugs_round_trip_and_unknown_slugs_are_refused():
    for audience in Audience:
        assert Audience.from_slug(audience.slug) == audience
    assert Audience.from_slug(" Leadership_Alliance ") == ALLIANCE
    with pytest.raises(ValueError, match="expected one of"):
        Audience.from_slug("gold")


def test_a_membership_counts_from_its_start_until_its_end_exclusive():
    start, end = NOW, NOW + DAY
    assert not access.is_active(start, end, start - timedelta(seconds=1))
    assert access.is_active(start, end, start)
    assert access.is_active(start, end, end - timedelta(seconds=1))
    assert not access.is_active(start, end, end)
    assert access.is_active(start, None, NOW + 1000 * DAY)


def test_audience_is_the_highest_active_tier():
    assert access.audience_at([], NOW) == PUBLIC
    assert access.audience_at([term(CIRCLE)], NOW) == CIRCLE
    assert access.audience_at([term(CIRCLE), term(ALLIANCE, end=30)], NOW) == ALLIANCE


def test_an_ended_membership_counts_as_none():
    assert access.audience_at([term(ALLIANCE, start=-400, end=-1)], NOW) == PUBLIC
    assert access.audience_at([term(CIRCLE), term(ALLIANCE, start=-400, end=-1)], NOW) == CIRCLE


def test_a_membership_that_has_not_started_counts_as_none():
    assert access.audience_at([term(ALLIANCE, start=1)], NOW) == PUBLIC
    assert access.audience_at([term(CIRCLE), term(ALLIANCE, start=1, end=365)], NOW) == CIRCLE
    assert access.audience_at([term(ALLIANCE, start=1)], NOW + 2 * DAY) == ALLIANCE


def test_lapsed_tiers_are_ended_ones_above_what_the_reader_holds_now():
    ended = term(ALLIANCE, start=-400, end=-1)
    assert access.lapsed_tiers([term(CIRCLE), ended], NOW) == {ALLIANCE}
    # Renewed: an active Alliance membership means nothing has lapsed.
    assert access.lapsed_tiers([ended, term(ALLIANCE, start=-1, end=365)], NOW) == set()
    # Not started is not lapsed.
    assert access.lapsed_tiers([term(ALLIANCE, start=1)], NOW) == set()


@pytest.mark.parametrize(
    ("audience", "gated", "cards"),
    [
        (PUBLIC, [CIRCLE, ALLIANCE], [CIRCLE, ALLIANCE]),
        # Either tier reveals a Strategic Circle part: the reader is offered both.
        (PUBLIC, [CIRCLE], [CIRCLE, ALLIANCE]),
        # An Alliance-only part is unlocked by the Alliance alone.
        (PUBLIC, [ALLIANCE], [ALLIANCE]),
        (CIRCLE, [CIRCLE, ALLIANCE], [ALLIANCE]),
        (CIRCLE, [CIRCLE], []),
        (ALLIANCE, [CIRCLE, ALLIANCE], []),
        (PUBLIC, [], []),
    ],
)
def test_tiers_that_unlock_give_one_lock_card_per_tier_that_reveals_more(audience, gated, cards):
    assert access.tiers_that_unlock(audience, gated) == cards


def test_lock_actions_match_who_the_reader_is():
    assert access.lock_action(CIRCLE, is_authenticated=False) == LockAction.JOIN
    # A tier the publisher grants is applied for, signed in or not (issue 20).
    assert access.lock_action(ALLIANCE, is_authenticated=False) == LockAction.APPLY
    assert access.lock_action(CIRCLE, is_authenticated=True) == LockAction.JOIN
    assert access.lock_action(ALLIANCE, is_authenticated=True) == LockAction.APPLY
    assert (
        access.lock_action(ALLIANCE, is_authenticated=True, lapsed=[ALLIANCE]) == LockAction.RENEW
    )


def test_preview_is_only_for_those_allowed_and_falls_back_on_nonsense():
    assert (
        access.preview_audience("leadership-alliance", may_preview=True, default=PUBLIC) == ALLIANCE
    )
    assert access.preview_audience("public", may_preview=True, default=ALLIANCE) == PUBLIC
    assert (
        access.preview_audience("leadership-alliance", may_preview=False, default=PUBLIC) == PUBLIC
    )
    assert access.preview_audience("gold", may_preview=True, default=CIRCLE) == CIRCLE
    assert access.preview_audience(None, may_preview=True, default=CIRCLE) == CIRCLE


def test_reading_permissions_name_their_tier():
    assert access.permission_audience("read_strategic_circle") == CIRCLE
    assert access.permission_audience("read_leadership_alliance") == ALLIANCE
    assert access.permission_audience("read_public") is None
    assert access.permission_audience("change_membership") is None


def test_only_the_alliance_is_reached_by_application():
    assert not access.joins_by_application(CIRCLE)
    assert access.joins_by_application(ALLIANCE)
    assert not access.joins_by_application(PUBLIC)


@pytest.mark.parametrize(
    ("kwargs", "standing"),
    [
        ({"audience": ALLIANCE}, TierStanding.MEMBER),
        ({"audience": CIRCLE}, TierStanding.OPEN),
        ({"audience": CIRCLE, "has_pending_application": True}, TierStanding.PENDING),
        ({"audience": CIRCLE, "lapsed": [ALLIANCE]}, TierStanding.LAPSED),
        # A pending renewal is pending, not lapsed.
        (
            {"audience": CIRCLE, "lapsed": [ALLIANCE], "has_pending_application": True},
            TierStanding.PENDING,
        ),
    ],
)
def test_tier_standing(kwargs, standing):
    assert access.tier_standing(ALLIANCE, **kwargs) == standing


def test_may_apply_only_signed_in_for_a_granted_tier_not_held_or_awaited():
    assert access.may_apply(ALLIANCE, is_authenticated=True, standing=TierStanding.OPEN)
    assert access.may_apply(ALLIANCE, is_authenticated=True, standing=TierStanding.LAPSED)
    assert not access.may_apply(ALLIANCE, is_authenticated=False, standing=TierStanding.OPEN)
    assert not access.may_apply(ALLIANCE, is_authenticated=True, standing=TierStanding.PENDING)
    assert not access.may_apply(ALLIANCE, is_authenticated=True, standing=TierStanding.MEMBER)
    assert not access.may_apply(CIRCLE, is_authenticated=True, standing=TierStanding.OPEN)


terms_strategy = st.lists(
    st.builds(
        term,
        st.sampled_from([CIRCLE, ALLIANCE]),
        st.integers(-500, 500),
        st.one_of(st.none(), st.integers(-500, 500)),
    ).filter(lambda t: t.ends_at is None or t.ends_at >= t.starts_at),
    max_size=6,
)


@given(terms=terms_strategy, offset=st.integers(-600, 600))
def test_property_audience_is_never_more_than_an_active_membership_grants(terms, offset):
    at = NOW + offset * DAY
    audience = access.audience_at(terms, at)
    active = [t for t in terms if t.starts_at <= at and (t.ends_at is None or at < t.ends_at)]
    assert audience == max((Audience(t.tier) for t in active), default=PUBLIC)
    # Lapsed and current never overlap, and a lapsed tier really ended.
    for tier in access.lapsed_tiers(terms, at):
        assert tier > audience
        assert any(t.tier == tier and t.ends_at is not None and t.ends_at <= at for t in terms)


def test_cover_runs_through_renewals_that_start_as_the_last_one_ends():
    first = term(ALLIANCE, start=-300, end=20)
    renewal = Term(tier=ALLIANCE, starts_at=first.ends_at, ends_at=first.ends_at + 365 * DAY)
    assert access.covered_until([first], ALLIANCE, NOW) == first.ends_at
    assert access.covered_until([first, renewal], ALLIANCE, NOW) == renewal.ends_at
    assert access.covered_until([term(ALLIANCE)], ALLIANCE, NOW) is None
    assert access.covered_until([term(CIRCLE)], ALLIANCE, NOW) == NOW
    # A later membership after a gap does not extend the cover.
    later = term(ALLIANCE, start=40, end=400)
    assert access.covered_until([first, later], ALLIANCE, NOW) == first.ends_at


def test_ends_soon_is_the_thirty_days_before_the_end():
    assert access.ends_soon(NOW + 30 * DAY, NOW)
    assert not access.ends_soon(NOW + 31 * DAY, NOW)
    assert not access.ends_soon(NOW, NOW)
    assert not access.ends_soon(None, NOW)


def test_a_member_near_the_end_may_renew():
    assert (
        access.tier_standing(ALLIANCE, audience=ALLIANCE, ending_soon=True)
        == TierStanding.RENEWABLE
    )
    assert access.may_apply(ALLIANCE, is_authenticated=True, standing=TierStanding.RENEWABLE)
    # Strategic Circle is not renewed by application.
    assert access.tier_standing(CIRCLE, audience=CIRCLE, ending_soon=True) == TierStanding.MEMBER


def test_a_granted_membership_that_starts_later_is_upcoming_not_open():
    assert access.tier_standing(ALLIANCE, audience=CIRCLE, upcoming=True) == TierStanding.UPCOMING
    assert not access.may_apply(ALLIANCE, is_authenticated=True, standing=TierStanding.UPCOMING)
