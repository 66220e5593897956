"""Digests: the right members at their local hour, once per period, with what they follow
or their saved searches find."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from briefings.forms import taxonomy_choices
from briefings.search import briefing_reindex
from delivery.digests import digest_period, digests_queue
from delivery.models import Delivery, DeliveryPreference, SavedSearch
from members.access import Audience
from tests.delivery.conftest import member
from tests.factories import BriefingFactory, CategoryFactory, MembershipFactory, gated_briefing

pytestmark = pytest.mark.django_db

Cadence = DeliveryPreference.Cadence
# A Thursday, ISO week 48; members' memberships started 60 days before the real now.
THURSDAY = datetime(2026, 11, 26, tzinfo=UTC)


def at(hours: float, day=THURSDAY) -> datetime:
    return day + timedelta(hours=hours)


def send_digests(moment: datetime) -> None:
    call_command("send_digests", f"--at={moment.isoformat()}", verbosity=0)


def digests() -> dict[tuple[str, str], list[int]]:
    """(address, key) → the digest's briefing ids."""
    return {
        (row.user.email, row.key): row.items
        for row in Delivery.objects.filter(kind=Delivery.Kind.DIGEST).select_related("user")
    }


@pytest.fixture
def news():
    """Three briefings that went live on the Wednesday, and one after Thursday 08:00 UTC."""
    energy, shipping = CategoryFactory(name="Energy"), CategoryFactory(name="Shipping")
    return {
        "energy": BriefingFactory(category=energy, published_at=at(-12)),
        "shipping": BriefingFactory(category=shipping, published_at=at(-10)),
        "energy_late": BriefingFactory(category=energy, published_at=at(-2)),
        "after": BriefingFactory(category=energy, published_at=at(9)),
        "categories": (energy, shipping),
    }


def test_each_member_gets_the_daily_digest_at_their_own_local_hour(news):
    berlin = member(cadence=Cadence.DAILY, tz="Europe/Berlin", hour=8)  # UTC+1
    new_york = member(cadence=Cadence.DAILY, tz="America/New_York", hour=8)  # UTC-5
    send_digests(at(6) + timedelta(minutes=59))  # 07:59 in Berlin
    assert digests() == {}
    send_digests(at(7))  # 08:00 in Berlin, 02:00 in New York
    assert set(digests()) == {(berlin.email, "digest:daily:2026-11-26")}
    send_digests(at(13))  # 08:00 in New York
    assert set(digests()) == {
        (berlin.email, "digest:daily:2026-11-26"),
        (new_york.email, "digest:daily:2026-11-26"),
    }


def test_a_time_zone_ahead_of_utc_is_already_on_the_next_day(news):
    auckland = member(cadence=Cadence.DAILY, tz="Pacific/Auckland", hour=8)  # UTC+13
    send_digests(at(-5))  # Wednesday 19:00 UTC is Thursday 08:00 in Auckland
    [(address, key)] = digests()
    assert (address, key) == (auckland.email, "digest:daily:2026-11-26")


def test_the_digest_holds_the_briefings_of_its_period_newest_first(news):
    member(cadence=Cadence.DAILY, hour=8)
    send_digests(at(8))
    [items] = digests().values()
    assert items == [news["energy_late"].pk, news["shipping"].pk, news["energy"].pk]


def test_a_member_who_follows_gets_only_what_they_follow(news):
    energy, _ = news["categories"]
    member(cadence=Cadence.DAILY, hour=8, follows=[energy])
    send_digests(at(8))
    [items] = digests().values()
    assert items == [news["energy_late"].pk, news["energy"].pk]


def saved(user, query_string: str) -> None:
    SavedSearch.objects.create(user=user, name=query_string, query_string=query_string)


def test_a_digest_lists_saved_search_matches_beside_what_is_followed(news):
    energy, shipping = news["categories"]
    tanker = gated_briefing(
        category=shipping, title="Tanker rates", public="Tanker rates doubled.", published_at=at(-6)
    )
    briefing_reindex(briefing=tanker)
    follower = member(cadence=Cadence.DAILY, hour=8, follows=[energy])
    saved(follower, "q=tanker")
    send_digests(at(8))
    [items] = digests().values()
    # The energy briefings it follows, and the shipping one only its saved search finds.
    assert items == [news["energy_late"].pk, tanker.pk, news["energy"].pk]


def test_a_member_with_only_a_saved_search_gets_only_its_matches(news):
    _, shipping = news["categories"]
    tanker = gated_briefing(
        category=shipping, title="Tanker rates", public="Tanker rates doubled.", published_at=at(-6)
    )
    briefing_reindex(briefing=tanker)
    searcher = member(cadence=Cadence.DAILY, hour=8)
    saved(searcher, "q=tanker")
    nothing_found = member(cadence=Cadence.DAILY, hour=8)
    saved(nothing_found, "q=zeppelin")
    send_digests(at(8))
    # Not every new briefing, as for a member who neither follows nor searches: none here.
    assert digests() == {(searcher.email, "digest:daily:2026-11-26"): [tanker.pk]}


def test_a_saved_search_matches_only_the_words_its_owner_may_read(news):
    _, shipping = news["categories"]
    gated = gated_briefing(
        category=shipping, alliance="The zeppelin fleet plan.", published_at=at(-6)
    )
    briefing_reindex(briefing=gated)
    circle = member(Audience.STRATEGIC_CIRCLE, cadence=Cadence.DAILY, hour=8)
    alliance = member(Audience.LEADERSHIP_ALLIANCE, cadence=Cadence.DAILY, hour=8)
    for user in (circle, alliance):
        saved(user, "q=zeppelin")
    send_digests(at(8))
    # The words are in a Leadership Alliance section only: no match for the Strategic
    # Circle member (and so no digest), whose search document leaves that section out.
    assert digests() == {(alliance.email, "digest:daily:2026-11-26"): [gated.pk]}


def test_twice_in_a_row_is_one_digest(news):
    member(cadence=Cadence.DAILY, hour=8)
    send_digests(at(8))
    send_digests(at(8, THURSDAY) + timedelta(minutes=1))
    send_digests(at(11))
    assert Delivery.objects.filter(kind=Delivery.Kind.DIGEST).count() == 1


def test_no_new_briefings_no_digest(news):
    other = CategoryFactory(name="Rail")
    member(cadence=Cadence.DAILY, hour=8, follows=[other])
    member(cadence=Cadence.DAILY, hour=8)
    send_digests(at(8, THURSDAY + timedelta(days=7)))  # nothing went live that Wednesday
    assert digests() == {}
    send_digests(at(8))
    assert len(digests()) == 1  # the one who follows everything


def test_weekly_on_the_weekday_of_their_choice(news):
    thursday = member(cadence=Cadence.WEEKLY, weekday=3, hour=8)
    friday = member(cadence=Cadence.WEEKLY, weekday=4, hour=8)
    send_digests(at(7))
    assert digests() == {}
    send_digests(at(8))
    assert set(digests()) == {(thursday.email, "digest:weekly:2026-W48")}
    send_digests(at(8, THURSDAY + timedelta(days=1)))
    assert set(digests()) == {
        (thursday.email, "digest:weekly:2026-W48"),
        (friday.email, "digest:weekly:2026-W48"),
    }
    # A week's digest holds the week before its moment.
    assert digests()[(friday.email, "digest:weekly:2026-W48")] == [
        news["after"].pk,
        news["energy_late"].pk,
        news["shipping"].pk,
        news["energy"].pk,
    ]


def test_only_members_with_a_digest_cadence_who_may_be_reached(news):
    member(cadence=Cadence.EACH)
    member(cadence=Cadence.NONE)
    member(None, cadence=Cadence.DAILY)
    lapsed = member(None, cadence=Cadence.DAILY)
    MembershipFactory(user=lapsed, starts_at=at(-24 * 90), ends_at=at(-30))  # ended by then
    member(cadence=Cadence.DAILY, verified=False)
    alliance = member(Audience.LEADERSHIP_ALLIANCE, cadence=Cadence.DAILY)
    send_digests(at(8))
    assert [address for address, _ in digests()] == [alliance.email]


def test_periods_follow_the_local_calendar():
    period = digest_period(Cadence.DAILY, "Europe/Berlin", 8, 0, at(7))
    assert period.key == "digest:daily:2026-11-26"
    assert (period.start, period.end) == (at(-17), at(7))
    assert digest_period(Cadence.DAILY, "Europe/Berlin", 8, 0, at(6.9)) is None
    weekly = digest_period(Cadence.WEEKLY, "UTC", 8, 0, at(0))  # Monday 08:00 has passed
    assert weekly.key == "digest:weekly:2026-W48"
    assert weekly.end == at(8, THURSDAY - timedelta(days=3))


def test_a_run_queues_at_most_its_limit_and_the_next_run_the_rest(news):
    for _ in range(3):
        member(cadence=Cadence.DAILY, hour=8)
    assert digests_queue(now=at(8), limit=2) == 2
    assert digests_queue(now=at(9), limit=2) == 1
    assert len(digests()) == 3


def test_the_query_count_does_not_grow_with_the_members(
    news, tasks_held, django_assert_num_queries
):
    energy, shipping = news["categories"]
    briefing_reindex(briefing=news["energy"])

    def members(count):
        for n in range(count):
            user = member(cadence=Cadence.DAILY, hour=8, follows=[energy] if n % 2 else [])
            if n % 3:
                saved(user, "q=briefing" if n % 2 else f"category={shipping.slug}")

    members(10)
    taxonomy_choices()  # the search form's choices, cached until the content changes
    # The groups, the period's briefings, the members, their follows, their saved
    # searches, the words those find, their memberships (for their search documents);
    # then the ledger: one insert and one read of the new rows. Saved searches added 3.
    with django_assert_num_queries(9) as few:
        digests_queue(now=at(8))
    Delivery.objects.all().delete()
    members(40)
    with django_assert_num_queries(len(few)):
        digests_queue(now=at(8))
    assert len(digests()) == 50


def test_at_needs_a_time_zone():
    with pytest.raises(CommandError, match="time zone"):
        call_command("send_digests", "--at=2026-11-26T08:00")
