"""
Organisation licences: a client buys a number of seats of a tier for a period, and its own
administrators decide who holds them.

A seat is a membership to the access module: taking a seat creates a `members.Membership`
(source "seat") whose start and end follow the licence and the seat, so the reader, every
delivery channel and `has_perm` count it exactly as they count any membership, in the
same one query. `organisations.services` keeps the two in step.
"""

from datetime import timedelta

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from members import access
from members.models import Invitation, Membership

# Licences whose end is this close are "ending soon" (admin filter, team page, reminders).
ENDING_SOON = timedelta(days=30)


class LicenceQuerySet(models.QuerySet):
    def ending_soon(self, at=None):
        at = at or timezone.now()
        return self.filter(ends_at__gt=at, ends_at__lte=at + ENDING_SOON)

    def administered_by(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(administrators=user)


class Licence(models.Model):
    """A client organisation's seats of one tier, for a period."""

    name = models.CharField("organisation", max_length=200)
    tier = models.PositiveSmallIntegerField(
        choices=access.TIER_CHOICES, default=access.APPLICATION_TIER
    )
    seat_count = models.PositiveIntegerField("seats", validators=[MinValueValidator(1)])
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(help_text="Every seat ends at this time.")
    joins_by_domain_automatically = models.BooleanField(
        "give seats to verified domains",
        default=False,
        help_text=(
            "On: a reader who confirms an address at a verified domain gets a seat while "
            "seats remain. Off: they are offered one by e-mail and accept it."
        ),
    )
    administrators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="administered_licences",
        blank=True,
        help_text="The client's people who manage the team on the site.",
    )
    note = models.TextField(blank=True, help_text="Internal.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LicenceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="licence_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(seat_count__gte=1), name="licence_has_a_seat"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("organisations:team", args=[self.pk])

    def is_active_at(self, when) -> bool:
        return access.is_active(self.starts_at, self.ends_at, when)

    def state_at(self, when) -> str:
        if self.starts_at > when:
            return "upcoming"
        if self.ends_at <= when:
            return "ended"
        if self.ends_at <= when + ENDING_SOON:
            return "ending-soon"
        return "active"

    @property
    def last_moment(self):
        return self.ends_at - timedelta(microseconds=1)


class VerifiedDomain(models.Model):
    """An e-mail domain a membership manager has verified belongs to the licence's client."""

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(
        max_length=253,
        unique=True,
        help_text="Exactly this domain, e.g. example.com (not its subdomains).",
    )

    class Meta:
        ordering = ["domain"]

    def __str__(self):
        return self.domain


class SeatQuerySet(models.QuerySet):
    def held(self):
        return self.filter(removed_at__isnull=True)


class Seat(models.Model):
    """
    One person's seat on a licence. Removing sets `removed_at` (the row stays, with its
    membership, as the record). While held, `number` is unique within the licence and at
    most its seat count, so the database itself refuses a seat too many.
    """

    class Via(models.TextChoices):
        INVITATION = "invitation", "Invitation"
        DOMAIN = "domain", "Verified domain"

    licence = models.ForeignKey(Licence, on_delete=models.PROTECT, related_name="seats")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="seats"
    )
    number = models.PositiveIntegerField()
    membership = models.OneToOneField(Membership, on_delete=models.PROTECT, related_name="seat")
    via = models.CharField(max_length=20, choices=Via.choices)
    joined_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    last_seen_at = models.DateTimeField(null=True, blank=True)

    objects = SeatQuerySet.as_manager()

    class Meta:
        ordering = ["licence", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["licence", "number"],
                condition=Q(removed_at__isnull=True),
                name="one_holder_per_seat",
            ),
            # One seat per person at a time: someone moving organisation gives one up.
            models.UniqueConstraint(
                fields=["user"], condition=Q(removed_at__isnull=True), name="one_seat_per_person"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="seat_number_from_one"),
        ]

    def __str__(self):
        return f"{self.user} — {self.licence} seat {self.number}"


class SeatInvitationQuerySet(models.QuerySet):
    def usable(self, at=None):
        at = at or timezone.now()
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=at)


class SeatInvitation(models.Model):
    """
    A single-use, expiring link to a seat, sent by a client's administrator (or offered to
    a reader at a verified domain). Like `members.Invitation` only the hash of its secret is
    kept and it has the same states; an open one holds a seat for its invitee.
    """

    State = Invitation.State

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField("invited e-mail address")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField()
    by_domain = models.BooleanField(default=False, help_text="Offered for a verified domain.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = SeatInvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} — {self.licence}"

    def state_at(self, when):
        if self.accepted_at:
            return self.State.ACCEPTED
        if self.revoked_at:
            return self.State.REVOKED
        if self.expires_at <= when:
            return self.State.EXPIRED
        return self.State.OPEN

    @property
    def state(self):
        return self.state_at(timezone.now())


class LicenceEvent(models.Model):
    """The audit log: who changed what on a licence, and when. Shown to both sides."""

    class Action(models.TextChoices):
        CREATED = "created", "Licence created"
        CHANGED = "changed", "Licence changed"
        INVITED = "invited", "Invited"
        OFFERED = "offered", "Seat offered to a verified domain address"
        WITHDRAWN = "withdrawn", "Invitation withdrawn"
        JOINED = "joined", "Took a seat"
        REMOVED = "removed", "Removed"
        LEFT = "left", "Gave up the seat"
        ADMIN_ADDED = "admin-added", "Administrator added"
        ADMIN_REMOVED = "admin-removed", "Administrator removed"
        REMINDED = "reminded", "Renewal reminder sent"

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Kept as text: the log still reads after an account is deleted or anonymised.
    actor_email = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    subject = models.CharField(max_length=254, blank=True, help_text="Who or what it was about.")
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["licence", "-at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.subject}"


class LicenceReminder(models.Model):
    """A renewal reminder sent: one per licence, end date and window, so never twice."""

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="reminders")
    ends_at = models.DateTimeField(help_text="The end date the reminder was about.")
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["licence", "ends_at", "days_before"], name="one_reminder_per_window"
            )
        ]

    def __str__(self):
        return f"{self.licence}: {self.days_before} days before {self.ends_at:%Y-%m-%d}"
