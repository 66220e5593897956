"""
Invitations to a seat, and seats for readers at a verified domain.

A client's administrator invites by e-mail address; the link works once, for
`members.services.INVITATION_VALID_DAYS`, and an open invitation holds a seat, so an
administrator cannot promise more seats than the licence has. Links are made and hashed as
the members' invitations are (`members.selectors.invitation_token_hash`) and their e-mails
go through the same queue (`members.services.email_send`).

A reader who confirms an address at a licence's verified domain is given a seat (when the
licence says so) or offered one by invitation, while seats remain.
"""

import secrets
from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from members import selectors as member_selectors
from members import services as member_services
from members.access import Audience
from members.selectors import invitation_token_hash
from organisations import domains
from organisations.models import LicenceEvent, Seat, SeatInvitation, VerifiedDomain
from organisations.services import (
    NoSeatLeft,
    OrganisationError,
    event_record,
    seat_take,
    seats_available,
)

EMAIL_FOLDER = "organisations/email"


class InvitationForAnotherAddress(OrganisationError):
    pass


def invitation_url(token: str) -> str:
    return member_services.site_url(reverse("organisations:invitation", args=[token]))


def invitation_find(token: str):
    if not token or len(token) > 100:
        return None
    return (
        SeatInvitation.objects.filter(token_hash=invitation_token_hash(token))
        .select_related("licence")
        .first()
    )


def _address_on_team(licence, email: str) -> bool:
    return licence.seats.held().filter(user__email__iexact=email).exists()


def invitation_create(*, licence, email: str, by, by_domain: bool = False):
    """
    Invite `email` to a seat on `licence` and e-mail the link. Refused when the address
    is on the team already or has an open invitation, and when every seat is held or
    promised. Returns the invitation and whether the e-mail was queued.
    """
    email = email.strip().lower()
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        licence = type(licence).objects.select_for_update().get(pk=licence.pk)
        if licence.ends_at <= now:
            raise OrganisationError("The licence has ended: it must be renewed before inviting.")
        if _address_on_team(licence, email):
            raise OrganisationError(f"{email} already holds a seat on your team.")
        if SeatInvitation.objects.usable(now).filter(licence=licence, email=email).exists():
            raise OrganisationError(
                f"{email} has an invitation waiting already. Withdraw it to send a new one."
            )
        if seats_available(licence=licence, at=now) <= 0:
            raise NoSeatLeft(
                f"No seat is free: all {licence.seat_count} are held or promised to open "
                "invitations. Remove someone or withdraw an invitation first, or ask us for "
                "more seats."
            )
        invitation = SeatInvitation.objects.create(
            licence=licence,
            email=email,
            token_hash=invitation_token_hash(token),
            expires_at=now + timedelta(days=member_services.INVITATION_VALID_DAYS),
            by_domain=by_domain,
            created_by=by,
        )
        event_record(
            licence=licence,
            action=LicenceEvent.Action.OFFERED if by_domain else LicenceEvent.Action.INVITED,
            by=by,
            subject=email,
        )
    sent = member_services.email_send(
        template="invitation",
        folder=EMAIL_FOLDER,
        to=email,
        context={
            "licence": licence,
            "invitation": invitation,
            "inviter": by,
            "url": invitation_url(token),
            "tier_name": Audience(licence.tier).label,
        },
    )
    return invitation, token, sent


def invitation_withdraw(*, invitation, by) -> bool:
    withdrawn = (
        SeatInvitation.objects.usable().filter(pk=invitation.pk).update(revoked_at=timezone.now())
    )
    if withdrawn:
        event_record(
            licence=invitation.licence,
            action=LicenceEvent.Action.WITHDRAWN,
            by=by,
            subject=invitation.email,
        )
    return bool(withdrawn)


def _refuse_unusable(state) -> None:
    if state == SeatInvitation.State.ACCEPTED:
        raise OrganisationError("This invitation has already been used.")
    if state == SeatInvitation.State.REVOKED:
        raise OrganisationError("This invitation has been withdrawn.")
    if state == SeatInvitation.State.EXPIRED:
        raise OrganisationError(
            "This invitation has expired. Ask your administrator for a new one."
        )


def invitation_accept(
    *, invitation, user, other_address_confirmed: bool = False, give_up_other_seat: bool = False
):
    """
    Take the seat an invitation holds, once. As with members' invitations, an account that
    does not hold the invited address must confirm it accepts anyway. A person holding a
    seat elsewhere is told so, and gives it up only by saying so (`give_up_other_seat`).
    """
    holds_address = member_selectors.user_holds_address(user, invitation.email)
    with transaction.atomic():
        invitation = SeatInvitation.objects.select_for_update().get(pk=invitation.pk)
        _refuse_unusable(invitation.state)
        if not (holds_address or other_address_confirmed):
            raise InvitationForAnotherAddress(
                "This invitation was sent to another address. Sign in with that address, "
                "or confirm that you accept it for the account you are signed in with."
            )
        return seat_take(
            licence=invitation.licence,
            user=user,
            via=Seat.Via.INVITATION,
            by=invitation.created_by,
            give_up_other_seat=give_up_other_seat,
            invitation=invitation,
        )


# Verified domains ------------------------------------------------------------------------


def licence_for_address(email: str):
    """The licence whose verified domain is exactly the address's domain, or None."""
    domain = domains.address_domain(email)
    if domain is None:
        return None
    found = VerifiedDomain.objects.filter(domain=domain).select_related("licence").first()
    return found.licence if found else None


def domain_join(*, user, email_address):
    """
    On confirming `email_address` (an allauth `EmailAddress`): a seat, an offer of one,
    or nothing. Returns ("seat", seat), ("offer", invitation) or None.
    """
    if not email_address.verified or email_address.user_id != user.pk:
        return None
    licence = licence_for_address(email_address.email)
    if licence is None or licence.ends_at <= timezone.now():
        return None
    if Seat.objects.held().filter(user=user).exists():
        return None
    if licence.joins_by_domain_automatically:
        try:
            seat = seat_take(
                licence=licence, user=user, via=Seat.Via.DOMAIN, keep_for_invitations=True
            )
        except OrganisationError:
            return None
        return ("seat", seat)
    try:
        invitation, _, _ = invitation_create(
            licence=licence, email=email_address.email, by=None, by_domain=True
        )
    except OrganisationError:
        return None
    return ("offer", invitation)
