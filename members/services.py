"""
Writes that span the members models.

Every function that changes memberships, applications, invitations or accounts lives
here as a keyword-only `noun_verb` function, so views, admin actions, the adapter and
management commands all change state the same way. Reads live in `members.selectors`;
decisions about who may read what are not made here: they are asked of `members.access`.
"""

import logging
import secrets
from datetime import date, datetime, timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from members import access, selectors
from members.access import Audience
from members.models import Application, Invitation, Membership, User
from members.selectors import invitation_find as invitation_find  # re-exported: tests ask here
from members.selectors import invitation_token_hash
from members.tasks import email_queue

logger = logging.getLogger(__name__)

# A tier granted on approval lasts this long unless the manager says otherwise.
APPLICATION_TERM_MONTHS = 12
INVITATION_VALID_DAYS = 14


class MembershipError(Exception):
    """A request the members rules refuse; the message is written for the person asking."""


class InvitationForAnotherAddress(MembershipError):
    """The invitation was sent to an address this account does not hold: confirm first."""


# Dates -------------------------------------------------------------------------------


def months_after(when: datetime, months: int) -> datetime:
    """The same day and time `months` later; the 31st becomes the month's last day."""
    month_index = when.month - 1 + months
    year, month = when.year + month_index // 12, month_index % 12 + 1
    for day in (when.day, 30, 29, 28):
        try:
            return when.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def end_of_day(day: date) -> datetime:
    """A membership 'until 2027-05-31' lasts through that whole day (site time zone)."""
    start = datetime.combine(day, datetime.min.time(), tzinfo=timezone.get_current_timezone())
    return start + timedelta(days=1)


# Memberships -------------------------------------------------------------------------


def membership_grant(
    *,
    user,
    tier: int,
    source: str,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    granted_by=None,
    note: str = "",
):
    """
    Give `user` a tier. A new row every time, so history keeps how and when each grant was
    made. An end date in the past records a membership that has already ended.
    """
    tier = Audience(tier)
    if tier not in access.TIERS:
        raise MembershipError(f"{tier.label} is not a membership tier.")
    if source not in Membership.Source.values:
        raise MembershipError(f"Unknown membership source {source!r}.")
    starts_at = starts_at or timezone.now()
    if ends_at is not None and ends_at < starts_at:
        # We do not know when a membership recorded as already over began; it never
        # counted, so it starts where it ends.
        starts_at = ends_at
    return Membership.objects.create(
        user=user,
        tier=tier,
        source=source,
        starts_at=starts_at,
        ends_at=ends_at,
        granted_by=granted_by,
        note=note,
    )


def _append_note(membership, line: str) -> None:
    membership.note = f"{membership.note}\n{line}".strip()


def membership_end(*, membership, at: datetime | None = None, ended_by=None, reason: str = ""):
    """
    End a membership at `at` (now by default). The row stays: ending is a change of dates,
    never a deletion. A membership that has not started yet ends where it starts.
    """
    at = at or timezone.now()
    if membership.ends_at is not None and membership.ends_at <= at:
        return membership
    membership.ends_at = max(at, membership.starts_at)
    who = f" by {ended_by}" if ended_by else ""
    _append_note(membership, f"Ended{who} on {at:%Y-%m-%d}. {reason}".strip())
    membership.save(update_fields=["ends_at", "note", "updated_at"])
    return membership


def membership_extend(
    *, membership, ends_at: datetime | None = None, months: int = 12, extended_by=None
):
    """
    Move a membership's end to `ends_at`, or `months` after its current end (or after now,
    when it has already ended). Extending a lapsed membership brings it back.
    """
    now = timezone.now()
    if ends_at is None:
        base = membership.ends_at if membership.ends_at and membership.ends_at > now else now
        ends_at = months_after(base, months)
    if ends_at <= now:
        raise MembershipError("A new end date must be in the future.")
    if ends_at < membership.starts_at:
        raise MembershipError("A membership cannot end before it starts.")
    membership.ends_at = ends_at
    who = f" by {extended_by}" if extended_by else ""
    _append_note(membership, f"Extended{who} on {now:%Y-%m-%d} to {ends_at:%Y-%m-%d}.")
    membership.save(update_fields=["ends_at", "note", "updated_at"])
    return membership


def membership_grant_on_signup(*, user):
    """
    The signup tier is open to every reader: a verified e-mail address makes the account
    a member. Only for an account that has never held the signup tier: a membership a
    manager granted (complimentary, from `grant_membership`) is the one the member holds,
    not a second "Sign-up" row beside it, and one a manager ended stays ended when the
    reader later verifies a changed address.
    """
    if user.memberships.filter(tier=access.SIGNUP_TIER).exists():
        return None
    return membership_grant(user=user, tier=access.SIGNUP_TIER, source=Membership.Source.SIGNUP)


# Accounts ----------------------------------------------------------------------------


def user_get_or_create_for_email(*, email: str):
    """
    The account for `email`, made when there is none, as allauth would keep it: a primary
    address row (unverified until its owner proves it with a code or link) and no usable
    password. Without the address row allauth's sign-in by code cannot mark the address
    verified, and mandatory verification then asks for a second code.
    Returns `(user, created)`.
    """
    email = email.strip().lower()
    with transaction.atomic():
        user, created = User.objects.get_or_create(email=email)
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        if not EmailAddress.objects.filter(user=user).exists():
            EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    return user, created


# E-mail ------------------------------------------------------------------------------


def site_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def email_send(*, template: str, to: str, context: dict, folder: str = "members/email") -> bool:
    """
    Render a plain-text and HTML e-mail from templates/<folder>/<template>_* and
    queue it for the task worker (members.tasks), which sends it and retries while the
    mail server is away. These are transactional e-mails: the briefing suppression list
    does not apply. Called after the change it reports has been committed; a queue that
    cannot take it is logged and reported back rather than undoing the change.
    """
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
    prefix = f"{folder}/{template}"
    subject = render_to_string(f"{prefix}_subject.txt", context).strip()
    subject = " ".join(subject.splitlines())
    message = EmailMultiAlternatives(
        subject=f"[{settings.SITE_NAME}] {subject}",
        body=render_to_string(f"{prefix}_message.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(render_to_string(f"{prefix}_message.html", context), "text/html")
    try:
        email_queue(message)
    except Exception:
        logger.exception("could not queue the %s e-mail", template)
        return False
    return True


# Applications ------------------------------------------------------------------------


def application_submit(*, user, name: str, organisation: str, role: str, reason: str):
    """
    Record a reader's application for the tier readers apply for: a first application, one
    after a membership lapsed, or a renewal in the weeks before it ends.
    """
    tier = access.APPLICATION_TIER
    terms = [m.term for m in user.memberships.all()]
    position = access.tier_position(tier, terms=terms, at=timezone.now())
    if position.standing == access.TierStanding.MEMBER:
        raise MembershipError(f"You are already a member of the {tier.label}.")
    if position.is_upcoming:
        raise MembershipError(f"Your {tier.label} membership has been granted; it starts later.")
    waiting = MembershipError("You already have an application waiting for review.")
    try:
        with transaction.atomic():
            if Application.objects.pending().filter(user=user, tier=tier).exists():
                raise waiting
            application = Application.objects.create(
                user=user,
                tier=tier,
                name=name.strip(),
                organisation=organisation.strip(),
                role=role.strip(),
                reason=reason.strip(),
            )
    except IntegrityError:
        # Sent twice at once (a double click, two tabs): the database's one-pending-
        # application constraint let one through; the other gets the same answer as a
        # second application sent later.
        raise waiting from None
    application_emails_on_submit(application=application)
    return application


def application_emails_on_submit(*, application) -> None:
    """Acknowledge the application to the applicant and tell the membership managers."""
    context = {"application": application, "tier_name": Audience(application.tier).label}
    email_send(
        template="application_received",
        to=application.user.email,
        context={**context, "account_url": site_url(reverse("members:account"))},
    )
    review_url = site_url(reverse("admin:members_application_change", args=[application.pk]))
    for address in selectors.membership_manager_addresses():
        email_send(
            template="application_notice",
            to=address,
            context={**context, "review_url": review_url},
        )


def _application_lock_pending(application):
    """The application, locked for review; refused when someone has already reviewed it."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    if not application.is_pending:
        raise MembershipError(
            f"The application from {application.name} was already "
            f"{application.get_status_display().lower()}."
        )
    return application


def application_approve(*, application, reviewer, ends_at: datetime | None = None):
    """
    Approve a pending application: grant the tier until `ends_at` (the date the manager
    set on the application, or 12 months from now) and e-mail the applicant.
    Returns the membership and whether the e-mail went out.
    """
    now = timezone.now()
    with transaction.atomic():
        application = _application_lock_pending(application)
        # A renewal starts where the current membership ends, so there is no gap and no
        # overlap; anything else starts now.
        running = application.user.memberships.active_at(now).filter(
            tier=application.tier, ends_at__isnull=False
        )
        starts_at = max([now, *running.values_list("ends_at", flat=True)])
        if ends_at is None and application.membership_ends_on:
            ends_at = end_of_day(application.membership_ends_on)
        ends_at = ends_at or months_after(starts_at, APPLICATION_TERM_MONTHS)
        if ends_at <= starts_at:
            raise MembershipError(
                f"The membership's end date must be after {starts_at:%Y-%m-%d}, when it starts."
            )
        membership = membership_grant(
            user=application.user,
            tier=application.tier,
            source=Membership.Source.APPLICATION,
            starts_at=starts_at,
            ends_at=ends_at,
            granted_by=reviewer,
            note=f"Application approved by {reviewer}.",
        )
        application.status = Application.Status.APPROVED
        application.reviewed_by = reviewer
        application.reviewed_at = now
        application.membership = membership
        application.save()
    sent = email_send(
        template="application_approved",
        to=application.user.email,
        context={
            "application": application,
            "membership": membership,
            "tier_name": Audience(application.tier).label,
            "account_url": site_url(reverse("members:account")),
            "home_url": site_url(reverse("briefings:home")),
        },
    )
    return membership, sent


def application_decline(*, application, reviewer):
    """Decline a pending application and tell the applicant. Returns whether it was sent."""
    with transaction.atomic():
        application = _application_lock_pending(application)
        application.status = Application.Status.DECLINED
        application.reviewed_by = reviewer
        application.reviewed_at = timezone.now()
        application.save()
    return email_send(
        template="application_declined",
        to=application.user.email,
        context={
            "application": application,
            "tier_name": Audience(application.tier).label,
            "signup_tier_name": access.SIGNUP_TIER.label,
            "overview_url": site_url(reverse("members:overview")),
        },
    )


# Invitations -------------------------------------------------------------------------


def invitation_url(token: str) -> str:
    return site_url(reverse("members:invitation", args=[token]))


def invitation_create(
    *,
    email: str,
    tier: int,
    created_by,
    expires_at: datetime | None = None,
    membership_ends_at: datetime | None = None,
    note: str = "",
    send: bool = True,
):
    """
    Create a single-use invitation and e-mail its link. The link carries 256 random bits;
    only their hash is stored. Returns the invitation, its link and whether it was sent.
    """
    tier = Audience(tier)
    if tier not in access.TIERS:
        raise MembershipError(f"{tier.label} is not a membership tier.")
    now = timezone.now()
    expires_at = expires_at or now + timedelta(days=INVITATION_VALID_DAYS)
    if expires_at <= now:
        raise MembershipError("An invitation must expire in the future.")
    if membership_ends_at is not None and membership_ends_at <= now:
        raise MembershipError("The membership an invitation grants must end in the future.")
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email.strip().lower(),
        tier=tier,
        token_hash=invitation_token_hash(token),
        expires_at=expires_at,
        membership_ends_at=membership_ends_at,
        note=note,
        created_by=created_by,
    )
    url = invitation_url(token)
    sent = False
    if send:
        sent = email_send(
            template="invitation",
            to=invitation.email,
            context={"invitation": invitation, "url": url, "tier_name": tier.label},
        )
    return invitation, url, sent


def invitation_accept(*, invitation, user, other_address_confirmed: bool = False):
    """
    Use an invitation: grant its tier to `user`, once. Returns the membership. A link is
    a bearer token, so an account that does not hold the invited address must say that
    it accepts anyway (`other_address_confirmed`), and the membership records it.
    """
    now = timezone.now()
    sent_to = invitation.email
    holds_address = selectors.user_holds_address(user, sent_to)
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        _invitation_refuse_unusable(invitation.state_at(now))
        if not (holds_address or other_address_confirmed):
            # No addresses here: the message may travel in the messages cookie.
            raise InvitationForAnotherAddress(
                "This invitation was sent to another address. Sign in with that address, "
                "or confirm that you accept it for the account you are signed in with."
            )
        invitation.accepted_at = now
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        membership = membership_grant(
            user=user,
            tier=invitation.tier,
            source=Membership.Source.INVITATION,
            ends_at=invitation.membership_ends_at,
            granted_by=invitation.created_by,
            note=(
                f"Invitation sent to {sent_to}. "
                + ("" if holds_address else f"Accepted by {user.email}, who confirmed it. ")
                + invitation.note
            ).strip(),
        )
    return membership


def _invitation_refuse_unusable(state) -> None:
    if state == Invitation.State.ACCEPTED:
        raise MembershipError("This invitation has already been used.")
    if state == Invitation.State.REVOKED:
        raise MembershipError("This invitation has been withdrawn.")
    if state == Invitation.State.EXPIRED:
        raise MembershipError("This invitation has expired. Ask us for a new one.")


def invitation_revoke(*, invitation):
    Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
        revoked_at=timezone.now()
    )


# Accounts ----------------------------------------------------------------------------


def user_sessions_end(*, user) -> int:
    """End every session the user is signed in with, on every device. Returns how many."""
    sessions = list(UserSession.objects.filter(user=user))
    for session in sessions:
        session.end()
    return len(sessions)


def account_delete(*, user):
    """
    Delete a reader's account.

    Memberships are closed, not deleted: they are the publisher's record of who had which
    access when, and who granted it. What identifies the person goes: the e-mail address
    (replaced by an address that cannot receive mail), names, password, verified
    addresses, MFA devices, sessions and applications (whose every field is personal).
    The user row stays, inactive and anonymous, so the membership history keeps its
    shape; the e-mail address is free for a new account.
    """
    now = timezone.now()
    former_email = user.email
    user_sessions_end(user=user)
    with transaction.atomic():
        for membership in user.memberships.filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now)):
            membership_end(membership=membership, at=now, reason="Account deleted.")
        user.applications.all().delete()
        EmailAddress.objects.filter(user=user).delete()
        Authenticator.objects.filter(user=user).delete()
        anonymous_email = f"deleted-{user.pk}@deleted.invalid"
        Invitation.objects.filter(email__iexact=former_email).update(email=anonymous_email)
        user.email = anonymous_email
        user.first_name = ""
        user.last_name = ""
        user.is_active = False
        user.is_staff = False
        user.is_superuser = False
        user.set_unusable_password()
        user.save()
        user.groups.clear()
        user.user_permissions.clear()
    return user
