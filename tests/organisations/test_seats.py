"""
A seat is a membership to the access module: the reader, `has_perm`, lapsed tiers and the
signal that caches listen to all follow the licence and the seat.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from members.access import Audience, LockAction, lock_action
from members.models import Membership
from members.selectors import reader_status
from members.signals import reader_changed
from organisations import services
from organisations.models import Licence, LicenceEvent, Seat
from tests.factories import LicenceFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def changed(django_capture_on_commit_callbacks):
    """The accounts `reader_changed` named, as each transaction commits."""
    seen = []

    def receiver(sender, user_ids, **kwargs):
        seen.extend(user_ids)

    reader_changed.connect(receiver, dispatch_uid="test-organisations-changed")
    yield seen
    reader_changed.disconnect(dispatch_uid="test-organisations-changed")


def take(licence, user=None):
    return services.seat_take(licence=licence, user=user or UserFactory(), via=Seat.Via.INVITATION)


def test_a_seat_gives_the_licence_tier_through_the_access_rule():
    licence = LicenceFactory()
    user = UserFactory()
    assert reader_status(user).audience == Audience.PUBLIC
    seat = take(licence, user)
    assert seat.membership.source == Membership.Source.SEAT
    assert seat.membership.ends_at == licence.ends_at
    assert reader_status(user).audience == Audience.LEADERSHIP_ALLIANCE
    assert user.has_perm("members.read_leadership_alliance")


def test_the_reader_is_the_highest_of_own_membership_and_seat():
    user = UserFactory()
    MembershipFactory(user=user, tier=Audience.STRATEGIC_CIRCLE)
    take(LicenceFactory(), user)
    assert reader_status(user).audience == Audience.LEADERSHIP_ALLIANCE
    strategic_licence = LicenceFactory(tier=Audience.STRATEGIC_CIRCLE)
    other = UserFactory()
    MembershipFactory(user=other, tier=Audience.LEADERSHIP_ALLIANCE)
    take(strategic_licence, other)
    assert reader_status(other).audience == Audience.LEADERSHIP_ALLIANCE


def test_removing_a_seat_ends_access_now_and_reads_as_lapsed(changed):
    licence = LicenceFactory()
    user = UserFactory()
    seat = take(licence, user)
    admin = UserFactory()
    with_commit = services.seat_remove
    with_commit(seat=seat, by=admin)
    status = reader_status(user)
    assert status.audience == Audience.PUBLIC
    assert status.lapsed == {Audience.LEADERSHIP_ALLIANCE}
    # The lock card asks a former seat holder to renew, like any lapsed member.
    assert (
        lock_action(Audience.LEADERSHIP_ALLIANCE, is_authenticated=True, lapsed=status.lapsed)
        == LockAction.RENEW
    )
    seat.refresh_from_db()
    assert seat.removed_at is not None and seat.removed_by == admin
    assert licence.events.filter(action=LicenceEvent.Action.REMOVED, subject=user.email).exists()


def test_every_seat_change_tells_the_readers_caches(changed, django_capture_on_commit_callbacks):
    licence = LicenceFactory(seat_count=3)
    holders = [UserFactory() for _ in range(2)]
    with django_capture_on_commit_callbacks(execute=True):
        seats = [take(licence, user) for user in holders]
    assert set(changed) >= {user.pk for user in holders}

    changed.clear()
    licence.ends_at = timezone.now() + timedelta(days=10)
    with django_capture_on_commit_callbacks(execute=True):
        services.licence_save(licence=licence, by=None, changed=["ends_at"])
    assert set(changed) == {user.pk for user in holders}
    for seat in seats:
        seat.membership.refresh_from_db()
        assert seat.membership.ends_at == licence.ends_at

    changed.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.seat_remove(seat=seats[0], by=None)
    assert set(changed) == {holders[0].pk}

    changed.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.licence_delete(licence=licence, by=None)
    assert set(changed) >= {holders[1].pk}
    assert reader_status(holders[1]).audience == Audience.PUBLIC
    assert not Licence.objects.filter(pk=licence.pk).exists()
    # The memberships stay as the record of who read what, ended.
    assert Membership.objects.filter(user=holders[1], source=Membership.Source.SEAT).exists()


def test_a_seat_ends_with_its_licence_and_a_renewal_brings_it_back():
    licence = LicenceFactory()
    user = UserFactory()
    take(licence, user)
    now = timezone.now()
    licence.ends_at = now - timedelta(minutes=1)
    licence.starts_at = now - timedelta(days=30)
    services.licence_save(licence=licence, by=None)
    assert reader_status(user).audience == Audience.PUBLIC
    assert reader_status(user).lapsed == {Audience.LEADERSHIP_ALLIANCE}
    licence.ends_at = now + timedelta(days=365)
    services.licence_save(licence=licence, by=None)
    assert reader_status(user).audience == Audience.LEADERSHIP_ALLIANCE


def test_a_licence_that_starts_later_gives_an_upcoming_seat():
    now = timezone.now()
    licence = LicenceFactory(starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=90))
    user = UserFactory()
    take(licence, user)
    assert reader_status(user).audience == Audience.PUBLIC
    assert reader_status(user, at=now + timedelta(days=4)).audience == Audience.LEADERSHIP_ALLIANCE


def test_no_seat_beyond_the_count_and_a_freed_seat_is_taken_again():
    licence = LicenceFactory(seat_count=2)
    first, second = take(licence), take(licence)
    assert {first.number, second.number} == {1, 2}
    with pytest.raises(services.NoSeatLeft):
        take(licence)
    services.seat_remove(seat=first, by=None)
    third = take(licence)
    assert third.number == 1


def test_fewer_seats_than_are_held_is_refused_naming_the_holders():
    licence = LicenceFactory(seat_count=3)
    holders = [take(licence).user for _ in range(2)]
    licence.seat_count = 1
    with pytest.raises(services.OrganisationError) as refused:
        services.licence_save(licence=licence, by=None)
    for user in holders:
        assert user.email in str(refused.value)
    assert Licence.objects.get(pk=licence.pk).seat_count == 3


def test_one_seat_per_person_and_moving_gives_the_old_one_up():
    user = UserFactory()
    first_licence, second_licence = LicenceFactory(), LicenceFactory()
    old = take(first_licence, user)
    with pytest.raises(services.SeatHeldElsewhere) as refused:
        take(second_licence, user)
    assert first_licence.name in str(refused.value)
    with pytest.raises(services.OrganisationError):
        take(first_licence, user)
    new = services.seat_take(
        licence=second_licence, user=user, via=Seat.Via.INVITATION, give_up_other_seat=True
    )
    old.refresh_from_db()
    assert old.removed_at is not None and new.removed_at is None
    assert first_licence.events.filter(action=LicenceEvent.Action.LEFT).exists()
    assert reader_status(user).audience == Audience.LEADERSHIP_ALLIANCE


def test_an_ended_licence_gives_no_seat():
    now = timezone.now()
    licence = LicenceFactory(starts_at=now - timedelta(days=30), ends_at=now - timedelta(days=1))
    with pytest.raises(services.OrganisationError):
        take(licence)


def test_last_visit_is_recorded_at_sign_in_and_at_most_hourly(client, django_assert_num_queries):
    licence = LicenceFactory()
    seat = take(licence)
    client.force_login(seat.user)
    seat.refresh_from_db()
    first = seat.last_seen_at
    assert first is not None
    client.get("/membership/")
    seat.refresh_from_db()
    assert seat.last_seen_at == first  # within the hour: no write


def test_an_hour_later_the_next_request_stamps_the_visit_once(client, django_assert_num_queries):
    from organisations.visits import SEEN_SESSION_KEY

    seat = take(LicenceFactory())
    client.force_login(seat.user)
    session = client.session
    session[SEEN_SESSION_KEY] -= 3601
    session.save()
    Seat.objects.filter(pk=seat.pk).update(last_seen_at=None)
    client.get("/membership/")
    seat.refresh_from_db()
    assert seat.last_seen_at is not None


def test_a_deleted_account_gives_its_seat_up():
    from members.services import account_delete

    licence = LicenceFactory(seat_count=1)
    seat = take(licence)
    account_delete(user=seat.user)
    seat.refresh_from_db()
    assert seat.removed_at is not None
    assert licence.events.filter(action=LicenceEvent.Action.LEFT).exists()
    take(licence)  # the seat is free again


def test_a_licence_edit_that_ends_seats_earlier_keeps_them_held():
    licence = LicenceFactory()
    seat = take(licence)
    licence.ends_at = timezone.now() + timedelta(days=3)
    services.licence_save(licence=licence, by=None)
    seat.refresh_from_db()
    assert seat.removed_at is None and seat.membership.ends_at == licence.ends_at


def test_a_seat_membership_is_read_only_in_the_membership_admin(client):
    from django.contrib.auth.models import Group
    from django.urls import reverse

    from tests.factories import StaffFactory

    manager = StaffFactory()
    manager.groups.add(Group.objects.get(name="Membership managers"))
    seat = take(LicenceFactory())
    client.force_login(manager)
    url = reverse("admin:members_membership_change", args=[seat.membership.pk])
    body = client.get(url).content.decode()
    assert 'name="ends_at_0"' not in body
    assert client.post(url, {"ends_at_0": "2020-01-01"}).status_code == 403
