"""The client administrator's team page: seats, invitations, administrators, the log."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from members.access import Audience
from members.selectors import reader_status
from organisations import invitations, services
from organisations.models import LicenceEvent, Seat, SeatInvitation
from tests.factories import LicenceFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    return UserFactory(email="chief@client.example")


@pytest.fixture
def licence(admin_user):
    return LicenceFactory(name="Client Grid Ltd", seat_count=2, administrators=[admin_user])


@pytest.fixture
def signed_in(client, admin_user):
    client.force_login(admin_user)
    return client


def team_url(licence):
    return reverse("organisations:team", args=[licence.pk])


def invite(client, licence, email):
    return client.post(reverse("organisations:invite", args=[licence.pk]), {"email": email})


def link_in_last_email() -> str:
    return re.search(r"https?://\S+/team/invitations/\S+/", mail.outbox[-1].body).group(0)


def test_the_team_page_shows_seats_holders_and_the_log(signed_in, licence):
    holder = services.seat_take(licence=licence, user=UserFactory(), via=Seat.Via.INVITATION)
    response = signed_in.get(team_url(licence))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Client Grid Ltd" in body and holder.user.email in body
    assert "no-store" in response["Cache-Control"]
    assert response.context["seats_held"] == 1 and response.context["seats_free"] == 1
    assert "Took a seat" in body


def test_teams_redirects_to_the_only_team(signed_in, licence):
    response = signed_in.get(reverse("organisations:teams"))
    assert response.status_code == 302 and response["Location"] == team_url(licence)


def test_another_organisations_team_seat_and_invitation_are_404(client, licence):
    stranger = UserFactory()
    other = LicenceFactory(administrators=[stranger])
    seat = services.seat_take(licence=licence, user=UserFactory(), via=Seat.Via.INVITATION)
    invitation, _, _ = invitations.invitation_create(
        licence=licence, email="someone@client.example", by=None
    )
    client.force_login(stranger)
    assert client.get(team_url(licence)).status_code == 404
    assert client.get(reverse("organisations:team", args=[99999])).status_code == 404
    # A forged licence id, and the right licence with another's seat: nothing changes.
    for url in (
        reverse("organisations:seat-remove", args=[licence.pk, seat.pk]),
        reverse("organisations:seat-remove", args=[other.pk, seat.pk]),
        reverse("organisations:invitation-withdraw", args=[other.pk, invitation.pk]),
        reverse("organisations:invite", args=[licence.pk]),
        reverse("organisations:administrator-add", args=[licence.pk]),
    ):
        assert client.post(url, {"email": "x@y.example"}).status_code == 404, url
    seat.refresh_from_db()
    invitation.refresh_from_db()
    assert seat.removed_at is None and invitation.revoked_at is None
    assert not licence.administrators.filter(pk=stranger.pk).exists()


def test_a_reader_with_a_seat_but_no_administration_gets_404(client, licence):
    seat = services.seat_take(licence=licence, user=UserFactory(), via=Seat.Via.INVITATION)
    client.force_login(seat.user)
    assert client.get(team_url(licence)).status_code == 404


def test_anonymous_readers_are_sent_to_sign_in(client, licence):
    response = client.get(team_url(licence))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_invitations_hold_seats_and_the_third_is_refused(signed_in, licence):
    for email in ("one@client.example", "two@client.example"):
        response = invite(signed_in, licence, email)
        assert response.status_code == 302
    assert len(mail.outbox) == 2
    response = signed_in.post(
        reverse("organisations:invite", args=[licence.pk]),
        {"email": "three@client.example"},
        follow=True,
    )
    assert "No seat is free" in response.content.decode()
    assert not SeatInvitation.objects.filter(email="three@client.example").exists()
    assert len(mail.outbox) == 2


def test_a_bad_address_is_shown_again_with_its_error(signed_in, licence):
    response = invite(signed_in, licence, "not an address")
    assert response.status_code == 400
    assert "not an address" in response.content.decode()
    assert not SeatInvitation.objects.exists()


def test_inviting_an_address_twice_or_on_the_team_explains(signed_in, licence):
    invite(signed_in, licence, "one@client.example")
    response = signed_in.post(
        reverse("organisations:invite", args=[licence.pk]),
        {"email": "ONE@client.example"},
        follow=True,
    )
    assert "has an invitation waiting already" in response.content.decode()
    holder = UserFactory(email="held@client.example")
    services.seat_take(licence=licence, user=holder, via=Seat.Via.INVITATION)
    response = signed_in.post(
        reverse("organisations:invite", args=[licence.pk]),
        {"email": holder.email},
        follow=True,
    )
    assert "already holds a seat on your team" in response.content.decode()


def test_removing_a_colleague_ends_their_access_on_their_next_page(
    client, signed_in, licence, admin_user
):
    from django.test import Client

    colleague = UserFactory()
    seat = services.seat_take(licence=licence, user=colleague, via=Seat.Via.INVITATION)
    theirs = Client()
    theirs.force_login(colleague)
    theirs.get(reverse("members:account"))
    assert reader_status(colleague).audience == Audience.LEADERSHIP_ALLIANCE
    response = signed_in.post(reverse("organisations:seat-remove", args=[licence.pk, seat.pk]))
    assert response.status_code == 302
    assert reader_status(colleague).audience == Audience.PUBLIC
    body = theirs.get(reverse("members:account")).content.decode()
    assert "Leadership Alliance membership has ended" in body
    event = licence.events.get(action=LicenceEvent.Action.REMOVED)
    assert event.actor == admin_user and event.subject == colleague.email


def test_withdrawing_an_invitation_frees_its_seat(signed_in, licence):
    invite(signed_in, licence, "one@client.example")
    invite(signed_in, licence, "two@client.example")
    invitation = SeatInvitation.objects.get(email="one@client.example")
    url = reverse("organisations:invitation-withdraw", args=[licence.pk, invitation.pk])
    assert signed_in.post(url).status_code == 302
    assert invite(signed_in, licence, "three@client.example").status_code == 302
    assert SeatInvitation.objects.filter(email="three@client.example").exists()


def test_administrators_are_added_and_the_last_cannot_leave(signed_in, licence, admin_user):
    remove_self = reverse("organisations:administrator-remove", args=[licence.pk, admin_user.pk])
    response = signed_in.post(remove_self, follow=True)
    assert "You are the last administrator" in response.content.decode()
    assert licence.administrators.filter(pk=admin_user.pk).exists()

    colleague = UserFactory(email="deputy@client.example")
    add = reverse("organisations:administrator-add", args=[licence.pk])
    assert signed_in.post(add, {"administrator-email": "Deputy@Client.example"}).status_code == 302
    assert licence.administrators.filter(pk=colleague.pk).exists()
    response = signed_in.post(add, {"administrator-email": "nobody@client.example"})
    assert response.status_code == 400
    assert "No account has this address" in response.content.decode()

    assert signed_in.post(remove_self).status_code == 302
    assert not licence.administrators.filter(pk=admin_user.pk).exists()
    assert signed_in.get(team_url(licence)).status_code == 404
    actions = set(licence.events.values_list("action", flat=True))
    assert {LicenceEvent.Action.ADMIN_ADDED, LicenceEvent.Action.ADMIN_REMOVED} <= actions


def test_the_page_says_when_the_licence_ends_soon_or_has_ended(signed_in, licence):
    licence.ends_at = timezone.now() + timedelta(days=10)
    licence.save()
    assert "The licence ends on" in signed_in.get(team_url(licence)).content.decode()
    licence.ends_at = timezone.now() - timedelta(minutes=1)
    licence.save()
    body = signed_in.get(team_url(licence)).content.decode()
    assert "The licence ended on" in body
    assert invite(signed_in, licence, "late@client.example").status_code == 302
    assert not SeatInvitation.objects.exists()


def test_the_team_page_costs_the_same_queries_however_big_the_team(
    signed_in, licence, django_assert_num_queries
):
    """
    Licence, holders, invitations, administrators, log (+ savepoints 0); the session's
    account row is kept in the cache (members.caching), so it costs no query warm.
    """
    signed_in.get(team_url(licence))
    with django_assert_num_queries(5) as few:
        signed_in.get(team_url(licence))
    licence.seat_count = 12
    licence.save()
    for _ in range(8):
        services.seat_take(licence=licence, user=UserFactory(), via=Seat.Via.INVITATION)
    invitations.invitation_create(licence=licence, email="waiting@client.example", by=None)
    with django_assert_num_queries(len(few)):
        signed_in.get(team_url(licence))


def test_the_account_page_links_to_the_team(signed_in, licence):
    body = signed_in.get(reverse("members:account")).content.decode()
    assert f'href="{team_url(licence)}"' in body
