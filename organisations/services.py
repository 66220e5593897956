"""
Writes for licences and seats, as keyword-only `noun_verb` functions.

A seat is a `members.Membership` (source "seat") plus the `Seat` row that says which
licence it belongs to. Every function here that changes what a person may read keeps the
membership's dates in step with the licence and the seat, and sends
`members.signals.reader_changed` for the people concerned (through the membership's own
signal, or explicitly for bulk changes), so caches of a reader's standing forget it.

Seats hold under concurrency: taking one locks the licence row, and a held seat's number
is unique within its licence and between 1 and the seat count, so two people accepting
the last seat at the same moment get exactly one seat between them.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from members import services as member_services
from members.models import Membership
from members.signals import send_reader_changed
from organisations.models import Licence, LicenceEvent, Seat, SeatInvitation


class OrganisationError(Exception):
    """A request the licence rules refuse; the message is written for the person asking."""


class NoSeatLeft(OrganisationError):
    pass


class SeatHeldElsewhere(OrganisationError):
    """The person holds a seat on another licence; they may give it up to take this one."""

    def __init__(self, message, *, seat):
        super().__init__(message)
        self.seat = seat


# The log ---------------------------------------------------------------------------------


def event_record(*, licence, action, by=None, subject: str = "", detail: str = ""):
    actor = by if by is not None and by.is_authenticated else None
    return LicenceEvent.objects.create(
        licence=licence,
        action=action,
        actor=actor,
        actor_email=actor.email if actor else "",
        subject=subject,
        detail=detail,
    )


# Licences --------------------------------------------------------------------------------


def seat_holders(licence) -> list[Seat]:
    return list(licence.seats.held().select_related("user").order_by("number"))


def seat_count_problem(*, licence, seat_count: int) -> str | None:
    """Why `seat_count` is too few for the seats `licence` has given, or None."""
    if licence.pk is None:
        return None
    holders = seat_holders(licence)
    if seat_count >= len(holders):
        return None
    names = ", ".join(seat.user.email for seat in holders)
    return (
        f"{len(holders)} people hold a seat, more than {seat_count}: {names}. Their "
        "administrators (or you) must remove some before the licence can have fewer seats."
    )


def _membership_dates(seat, licence) -> tuple[datetime, datetime]:
    starts_at = max(seat.joined_at, licence.starts_at)
    ends_at = licence.ends_at
    if seat.removed_at is not None:
        ends_at = min(ends_at, seat.removed_at)
    return min(starts_at, ends_at), ends_at


def seat_memberships_sync(*, licence) -> list[int]:
    """
    Give the memberships of the licence's held seats the licence's tier and dates (a seat
    ends with its licence, starts no earlier than it). Returns the accounts concerned.
    """
    changed = []
    for seat in licence.seats.held().select_related("membership"):
        membership = seat.membership
        starts_at, ends_at = _membership_dates(seat, licence)
        if (membership.tier, membership.starts_at, membership.ends_at) != (
            licence.tier,
            starts_at,
            ends_at,
        ):
            membership.tier, membership.starts_at, membership.ends_at = (
                licence.tier,
                starts_at,
                ends_at,
            )
            membership.updated_at = timezone.now()
            changed.append(membership)
    Membership.objects.bulk_update(changed, ["tier", "starts_at", "ends_at", "updated_at"])
    user_ids = [m.user_id for m in changed]
    send_reader_changed(Seat, user_ids)
    return user_ids


def licence_save(*, licence, by, changed: list[str] | None = None):
    """
    Create or change a licence. Fewer seats than are held is refused with the holders'
    names; a new end (a renewal, or an earlier end) moves every held seat's end with it.
    """
    is_new = licence.pk is None
    with transaction.atomic():
        if not is_new:
            Licence.objects.select_for_update().get(pk=licence.pk)
        problem = seat_count_problem(licence=licence, seat_count=licence.seat_count)
        if problem:
            raise OrganisationError(problem)
        licence.save()
        if is_new:
            event_record(
                licence=licence,
                action=LicenceEvent.Action.CREATED,
                by=by,
                detail=_licence_summary(licence),
            )
        else:
            seat_memberships_sync(licence=licence)
            event_record(
                licence=licence,
                action=LicenceEvent.Action.CHANGED,
                by=by,
                detail=f"{', '.join(changed or []) or 'Saved'}. Now: {_licence_summary(licence)}",
            )
    return licence


def _licence_summary(licence) -> str:
    return (
        f"{licence.seat_count} {licence.get_tier_display()} seats, "
        f"{licence.starts_at:%Y-%m-%d} to {licence.last_moment:%Y-%m-%d}"
    )


def licence_delete(*, licence, by) -> None:
    """
    Delete a licence: every held seat ends now (the memberships stay, ended, as the
    publisher's record of who read what when), then the licence, its seats and log go.
    """
    now = timezone.now()
    with transaction.atomic():
        licence = Licence.objects.select_for_update().get(pk=licence.pk)
        user_ids = []
        for seat in licence.seats.select_related("membership"):
            member_services.membership_end(
                membership=seat.membership,
                at=now if seat.removed_at is None else seat.removed_at,
                ended_by=by,
                reason=f"Licence for {licence.name} deleted.",
            )
            user_ids.append(seat.user_id)
        licence.seats.all().delete()
        licence.delete()
        send_reader_changed(Seat, user_ids)


# Seats -----------------------------------------------------------------------------------


def seats_available(*, licence, at=None, excluding_invitation=None) -> int:
    """Seats neither held nor promised to an open invitation."""
    held = licence.seats.held().count()
    invitations = SeatInvitation.objects.usable(at).filter(licence=licence)
    if excluding_invitation is not None:
        invitations = invitations.exclude(pk=excluding_invitation.pk)
    return licence.seat_count - held - invitations.count()


def _refuse_second_seat(*, licence, user, give_up_other_seat: bool, now):
    current = Seat.objects.held().filter(user=user).select_related("licence").first()
    if current is None:
        return
    if current.licence_id == licence.pk:
        raise OrganisationError(f"{user.email} already holds a seat on {licence.name}'s team.")
    if not give_up_other_seat:
        raise SeatHeldElsewhere(
            f"You hold a seat on {current.licence.name}'s licence. A person holds one seat "
            f"at a time: taking this one gives that one up.",
            seat=current,
        )
    seat_remove(seat=current, by=user, at=now, left=True)


def seat_take(
    *,
    licence,
    user,
    via: str,
    by=None,
    keep_for_invitations: bool = False,
    give_up_other_seat: bool = False,
    invitation=None,
):
    """
    Give `user` a seat on `licence`, if one is free: the lowest free seat number, with a
    membership of the licence's tier from now (or the licence's start) to its end. With
    `keep_for_invitations`, seats promised to open invitations are not free.
    """
    now = timezone.now()
    try:
        with transaction.atomic():
            licence = Licence.objects.select_for_update().get(pk=licence.pk)
            if licence.ends_at <= now:
                raise OrganisationError(f"{licence.name}'s licence has ended.")
            _refuse_second_seat(
                licence=licence, user=user, give_up_other_seat=give_up_other_seat, now=now
            )
            if keep_for_invitations and seats_available(licence=licence, at=now) <= 0:
                raise NoSeatLeft(f"Every seat on {licence.name}'s licence is taken.")
            taken = set(licence.seats.held().values_list("number", flat=True))
            free = [n for n in range(1, licence.seat_count + 1) if n not in taken]
            if not free:
                raise NoSeatLeft(f"Every seat on {licence.name}'s licence is taken.")
            seat = Seat(licence=licence, user=user, number=free[0], via=via, joined_at=now)
            starts_at, ends_at = _membership_dates(seat, licence)
            seat.membership = member_services.membership_grant(
                user=user,
                tier=licence.tier,
                source=Membership.Source.SEAT,
                starts_at=starts_at,
                ends_at=ends_at,
                granted_by=by,
                note=f"Seat {free[0]} on {licence.name}'s licence ({seat.get_via_display()}).",
            )
            seat.save()
            if invitation is not None:
                invitation.accepted_at, invitation.accepted_by = now, user
                invitation.save(update_fields=["accepted_at", "accepted_by"])
            event_record(
                licence=licence,
                action=LicenceEvent.Action.JOINED,
                by=user,
                subject=user.email,
                detail=f"Seat {seat.number}, by {seat.get_via_display().lower()}.",
            )
    except IntegrityError:
        # The database's seat constraints refused a seat taken at the same moment.
        raise NoSeatLeft(f"Every seat on {licence.name}'s licence is taken.") from None
    return seat


def seat_remove(*, seat, by, at=None, left: bool = False):
    """
    End a seat now: its membership ends at once (so the next request reads as a lapsed
    member), the seat number is free again, and the row stays as the record.
    """
    at = at or timezone.now()
    with transaction.atomic():
        seat = (
            Seat.objects.select_for_update().select_related("membership", "licence").get(pk=seat.pk)
        )
        if seat.removed_at is not None:
            return seat
        seat.removed_at, seat.removed_by = at, by if by and by.is_authenticated else None
        seat.save(update_fields=["removed_at", "removed_by"])
        member_services.membership_end(
            membership=seat.membership,
            at=at,
            ended_by=by,
            reason=f"Seat on {seat.licence.name}'s licence {'given up' if left else 'removed'}.",
        )
        send_reader_changed(Seat, [seat.user_id])
        event_record(
            licence=seat.licence,
            action=LicenceEvent.Action.LEFT if left else LicenceEvent.Action.REMOVED,
            by=by,
            subject=seat.user.email,
            detail=f"Seat {seat.number}.",
        )
    return seat


def seat_release_if_membership_ended(*, membership) -> None:
    """
    Release the held seat whose membership was ended before its licence ends by something
    other than this app (an account deleted, a manager's "End now" on the membership).
    """
    seat = Seat.objects.held().filter(membership=membership).select_related("licence").first()
    if seat is None or membership.ends_at is None or membership.ends_at >= seat.licence.ends_at:
        return
    seat.removed_at = membership.ends_at
    seat.save(update_fields=["removed_at"])
    send_reader_changed(Seat, [seat.user_id])
    event_record(
        licence=seat.licence,
        action=LicenceEvent.Action.LEFT,
        subject=seat.user.email,
        detail=f"Seat {seat.number}: the membership ended (account closed or ended by us).",
    )


def seat_mark_seen(*, user_id, at=None) -> None:
    """Stamp the last visit of the seat the account holds (none: nothing happens)."""
    Seat.objects.held().filter(user_id=user_id).update(last_seen_at=at or timezone.now())


# Administrators --------------------------------------------------------------------------


def administrator_add(*, licence, user, by):
    with transaction.atomic():
        if licence.administrators.filter(pk=user.pk).exists():
            raise OrganisationError(f"{user.email} is already an administrator.")
        licence.administrators.add(user)
        event_record(
            licence=licence, action=LicenceEvent.Action.ADMIN_ADDED, by=by, subject=user.email
        )


def administrators_changed_record(*, licence, before: set[int], by) -> None:
    """Log who became or stopped being an administrator in a change made in admin."""
    after = {user.pk: user for user in licence.administrators.all()}
    for pk in sorted(set(after) - before):
        event_record(
            licence=licence,
            action=LicenceEvent.Action.ADMIN_ADDED,
            by=by,
            subject=after[pk].email,
        )
    gone = licence.administrators.model.objects.filter(pk__in=before - set(after))
    for user in gone:
        event_record(
            licence=licence, action=LicenceEvent.Action.ADMIN_REMOVED, by=by, subject=user.email
        )


def administrator_remove(*, licence, user, by):
    """Remove an administrator; the last one stays, so a team is never left unmanaged."""
    with transaction.atomic():
        Licence.objects.select_for_update().get(pk=licence.pk)
        admins = list(licence.administrators.values_list("pk", flat=True))
        if user.pk not in admins:
            raise OrganisationError(f"{user.email} is not an administrator.")
        if len(admins) == 1:
            raise OrganisationError(
                "You are the last administrator: add a colleague as an administrator first, "
                "or ask us to hand the licence to someone else."
            )
        licence.administrators.remove(user)
        event_record(
            licence=licence, action=LicenceEvent.Action.ADMIN_REMOVED, by=by, subject=user.email
        )
