"""Where a seat invitation leads: accepting it, and every state it can be in."""

import threading
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from members.access import Audience
from members.selectors import reader_status
from organisations import invitations, services
from organisations.models import LicenceEvent, Seat, SeatInvitation
from tests.factories import LicenceFactory, UserFactory


def invited(licence, email="colleague@client.example"):
    invitation, token, sent = invitations.invitation_create(licence=licence, email=email, by=None)
    assert sent
    return invitation, reverse("organisations:invitation", args=[token])


@pytest.mark.django_db
def test_an_invitee_takes_the_seat_and_reads_the_tier(client):
    licence = LicenceFactory(name="Client Grid Ltd")
    invitation, url = invited(licence)
    anonymous = client.get(url).content.decode()
    assert "Client Grid Ltd" in anonymous and "Create an account" in anonymous
    user = UserFactory(email="colleague@client.example")
    client.force_login(user)
    response = client.post(url, follow=True)
    assert "Welcome to Client Grid Ltd" in response.content.decode()
    assert reader_status(user).audience == Audience.LEADERSHIP_ALLIANCE
    invitation.refresh_from_db()
    assert invitation.accepted_by == user
    assert licence.events.filter(action=LicenceEvent.Action.JOINED, subject=user.email).exists()


@pytest.mark.django_db
def test_a_used_invitation_gets_a_clear_page_and_gives_no_second_seat(client):
    licence = LicenceFactory(seat_count=3)
    _, url = invited(licence)
    first = UserFactory(email="colleague@client.example")
    client.force_login(first)
    client.post(url)
    second = UserFactory()
    client.force_login(second)
    body = client.get(url).content.decode()
    assert "This invitation has been used" in body
    response = client.post(url, {"other_address": "accept"}, follow=True)
    assert "already been used" in response.content.decode()
    assert not Seat.objects.filter(user=second).exists()


@pytest.mark.django_db
def test_expired_and_withdrawn_invitations_answer_410_with_a_clear_page(client):
    licence = LicenceFactory()
    expired, expired_url = invited(licence, "late@client.example")
    SeatInvitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    withdrawn, withdrawn_url = invited(licence, "gone@client.example")
    invitations.invitation_withdraw(invitation=withdrawn, by=None)
    for url, words in ((expired_url, "has expired"), (withdrawn_url, "has been withdrawn")):
        response = client.get(url)
        assert response.status_code == 410 and words in response.content.decode()
        client.force_login(UserFactory())
        refused = client.post(url, {"other_address": "accept"}, follow=True)
        assert words in refused.content.decode()
    assert not Seat.objects.exists()


@pytest.mark.django_db
def test_an_unknown_link_is_404(client):
    assert client.get(reverse("organisations:invitation", args=["forged"])).status_code == 404


@pytest.mark.django_db
def test_another_account_must_confirm_it_accepts(client):
    _, url = invited(LicenceFactory())
    user = UserFactory(email="someone-else@elsewhere.example")
    client.force_login(user)
    assert "This invitation was sent to" in client.get(url).content.decode()
    refused = client.post(url, follow=True).content.decode()
    assert "sent to another address" in refused
    client.post(url, {"other_address": "accept"})
    assert reader_status(user).audience == Audience.LEADERSHIP_ALLIANCE


@pytest.mark.django_db
def test_a_seat_holder_elsewhere_is_told_and_moves_only_by_saying_so(client):
    old_licence = LicenceFactory(name="Old Employer plc")
    user = UserFactory(email="colleague@client.example")
    old = services.seat_take(licence=old_licence, user=user, via=Seat.Via.INVITATION)
    _, url = invited(LicenceFactory(name="New Employer Ltd"))
    client.force_login(user)
    assert (
        "You hold a seat on <strong>Old Employer plc</strong>" in client.get(url).content.decode()
    )
    refused = client.post(url, follow=True).content.decode()
    assert "taking this one gives that one up" in refused
    old.refresh_from_db()
    assert old.removed_at is None
    client.post(url, {"other_seat": "give-up"})
    old.refresh_from_db()
    assert old.removed_at is not None
    assert Seat.objects.held().get(user=user).licence.name == "New Employer Ltd"


@pytest.mark.django_db(transaction=True)
def test_two_invitations_accepted_at_once_for_the_last_seat_give_one_seat():
    """Two connections accept at the same moment: the database lets exactly one through."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs a database that serves several connections at once")
    licence = LicenceFactory(seat_count=2)
    invitations_made = [invited(licence, f"person{n}@client.example")[0] for n in range(2)]
    # A seat is taken meanwhile (the count lowered would do too): one seat is left for two.
    licence.seat_count = 1
    licence.save()
    users = [UserFactory(email=f"person{n}@client.example") for n in range(2)]
    start = threading.Barrier(2)
    answers = []

    def accept(invitation, user):
        try:
            start.wait()
            invitations.invitation_accept(invitation=invitation, user=user)
            answers.append("seat")
        except services.OrganisationError as error:
            answers.append(str(error))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=accept, args=pair)
        for pair in zip(invitations_made, users, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == sorted(["seat", f"Every seat on {licence.name}'s licence is taken."])
    assert Seat.objects.held().filter(licence=licence).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_seat_number_constraint_refuses_a_second_holder_without_the_lock():
    """The last line: even a write that skipped the lock cannot give one seat twice."""
    from django.db import IntegrityError

    from members.models import Membership

    licence = LicenceFactory(seat_count=1)
    seat = services.seat_take(licence=licence, user=UserFactory(), via=Seat.Via.INVITATION)
    other = UserFactory()
    membership = Membership.objects.create(
        user=other, tier=licence.tier, source=Membership.Source.SEAT
    )
    with pytest.raises(IntegrityError):
        Seat.objects.create(
            licence=licence, user=other, number=seat.number, membership=membership, via="domain"
        )


@pytest.mark.django_db
def test_an_invitation_to_a_licence_that_ended_meanwhile_is_refused(client):
    licence = LicenceFactory()
    _, url = invited(licence)
    licence.starts_at = timezone.now() - timedelta(days=30)
    licence.ends_at = timezone.now() - timedelta(seconds=1)
    licence.save()
    client.force_login(UserFactory(email="colleague@client.example"))
    assert "licence has ended" in client.post(url, follow=True).content.decode()
    assert not Seat.objects.exists()
