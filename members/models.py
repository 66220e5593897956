from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from members import access
from members.access import Audience
from members.time_zones import default_time_zone, validate_time_zone


class UserManager(BaseUserManager):
    """Users are known by their e-mail address; there are no usernames."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not extra_fields["is_staff"] or not extra_fields["is_superuser"]:
            raise ValueError("A superuser must have is_staff and is_superuser set.")
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None
    email = models.EmailField("e-mail address", unique=True)
    time_zone = models.CharField(
        max_length=64,
        default=default_time_zone,
        validators=[validate_time_zone],
        help_text="Admin shows and reads times in this zone; they are stored in UTC.",
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["email"]
        permissions = access.reading_permissions()

    def __str__(self):
        return self.email

    def has_perm(self, perm, obj=None):
        # Reading gated parts is decided by active memberships alone, for everyone: neither
        # the superuser flag nor a group can make `has_perm` disagree with what the pages
        # show. Staff who need to see every audience use preview, which is its own permission.
        app_label, _, codename = perm.partition(".")
        tier = access.permission_audience(codename) if app_label == "members" else None
        if tier is not None:
            return self.reads_tier(tier)
        return super().has_perm(perm, obj)

    def reads_tier(self, tier, at=None) -> bool:
        """
        Whether the account's memberships let it read `tier`'s parts at `at` (now by
        default): the answer the `members.read_<tier>` permissions give.
        """
        if not self.is_active:
            return False
        terms = [m.term for m in self.memberships.all()]
        return access.can_read(access.audience_at(terms, at or timezone.now()), tier)


class Tier(models.Model):
    """The reader-facing wording of a membership tier, editable by staff."""

    audience = models.PositiveSmallIntegerField(choices=access.TIER_CHOICES, unique=True)
    name = models.CharField(max_length=80)
    pitch = models.TextField(help_text="Shown on lock cards and on the tier's page.")
    description = models.TextField(
        blank=True, help_text="Longer explanation on the tier's own page (Markdown-free text)."
    )
    join_label = models.CharField(
        max_length=80, help_text='Button text, e.g. "Join Strategic Circle".'
    )
    section_label = models.CharField(
        max_length=80,
        blank=True,
        help_text=(
            'What this tier\'s sections hold, e.g. "Trend context": lock cards and "In this '
            'briefing" name locked sections by it (their own headings stay members-only).'
        ),
    )

    class Meta:
        ordering = ["audience"]

    def __str__(self):
        return self.name

    @property
    def slug(self) -> str:
        return Audience(self.audience).slug

    @classmethod
    def name_of(cls, audience) -> str:
        """The tier's name as staff wrote it, or the access rule's label without a row."""
        record = cls.objects.filter(audience=audience).only("name").first()
        return record.name if record else Audience(audience).label


class MembershipQuerySet(models.QuerySet):
    def active_at(self, when):
        return self.filter(Q(ends_at__isnull=True) | Q(ends_at__gt=when), starts_at__lte=when)

    def active(self):
        return self.active_at(timezone.now())


class Membership(models.Model):
    """One grant of a tier to a user. Ending a membership sets its end; rows are kept."""

    class Source(models.TextChoices):
        SIGNUP = "signup", "Sign-up"
        APPLICATION = "application", "Approved application"
        INVITATION = "invitation", "Invitation"
        COMPLIMENTARY = "complimentary", "Complimentary"
        # A seat on an organisation's licence: its dates follow the licence and the seat
        # (kept in step by the organisations app), so every channel counts it as it
        # counts any membership.
        SEAT = "seat", "Organisation seat"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    tier = models.PositiveSmallIntegerField(choices=access.TIER_CHOICES)
    source = models.CharField(max_length=20, choices=Source.choices)
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Empty: no end date.")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships_granted",
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["user", "tier"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
                name="membership_ends_after_start",
            )
        ]

    def __str__(self):
        return f"{self.user} — {self.get_tier_display()}"

    def get_absolute_url(self):
        return reverse("admin:members_membership_change", args=[self.pk])

    @property
    def term(self) -> access.Term:
        return access.Term(tier=self.tier, starts_at=self.starts_at, ends_at=self.ends_at)

    def is_active_at(self, when) -> bool:
        return access.is_active(self.starts_at, self.ends_at, when)

    @property
    def last_moment(self):
        """The end is exclusive; people read "until 30 June" as the last day that counts."""
        if self.ends_at is None:
            return None
        return self.ends_at - timedelta(microseconds=1)


class ApplicationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=Application.Status.PENDING)


class Application(models.Model):
    """A signed-in reader's request for a tier the publisher grants (`access.APPLICATION_TIER`)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="applications"
    )
    tier = models.PositiveSmallIntegerField(
        choices=access.TIER_CHOICES,
        default=access.APPLICATION_TIER,
    )
    name = models.CharField("full name", max_length=150)
    organisation = models.CharField(max_length=200)
    role = models.CharField(max_length=150)
    reason = models.TextField("why you are applying", max_length=3000)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, editable=False
    )
    membership_ends_on = models.DateField(
        null=True,
        blank=True,
        help_text="When the membership granted on approval ends. Empty: 12 months after approval.",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applications_reviewed",
        editable=False,
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    membership = models.OneToOneField(
        Membership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="application",
        editable=False,
        help_text="The membership granted when the application was approved.",
    )
    created_at = models.DateTimeField("submitted", auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One open application per reader and tier: a second would only be noise.
            models.UniqueConstraint(
                fields=["user", "tier"],
                condition=Q(status="pending"),
                name="one_pending_application_per_tier",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.organisation}) — {self.get_tier_display()}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class InvitationQuerySet(models.QuerySet):
    def usable(self, at=None):
        at = at or timezone.now()
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=at)


class Invitation(models.Model):
    """
    A single-use, expiring link that grants a tier to whoever signs up or signs in with it.
    Only a hash of the link's secret is stored, so the table alone cannot be turned into
    working links.
    """

    class State(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"

    email = models.EmailField("invited e-mail address")
    tier = models.PositiveSmallIntegerField(
        choices=access.TIER_CHOICES,
        default=access.APPLICATION_TIER,
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(help_text="The link stops working at this time.")
    membership_ends_at = models.DateTimeField(
        null=True, blank=True, help_text="When the granted membership ends. Empty: no end date."
    )
    note = models.TextField(blank=True, help_text="Internal; copied to the membership.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_sent",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True, editable=False)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_accepted",
        editable=False,
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} — {self.get_tier_display()}"

    def state_at(self, when) -> "Invitation.State":
        if self.accepted_at:
            return self.State.ACCEPTED
        if self.revoked_at:
            return self.State.REVOKED
        if self.expires_at <= when:
            return self.State.EXPIRED
        return self.State.OPEN

    @property
    def state(self) -> "Invitation.State":
        return self.state_at(timezone.now())
