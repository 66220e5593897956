from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from members import access
from members.access import Audience


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

    objects = UserManager()

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["email"]
        permissions = [
            ("read_strategic_circle", "Can read Strategic Circle parts"),
            ("read_leadership_alliance", "Can read Leadership Alliance parts"),
        ]

    def __str__(self):
        return self.email


class Tier(models.Model):
    """The reader-facing wording of a membership tier, editable by staff."""

    audience = models.PositiveSmallIntegerField(
        choices=[(tier.value, tier.label) for tier in access.TIERS], unique=True
    )
    name = models.CharField(max_length=80)
    pitch = models.TextField(help_text="Shown on lock cards and on the tier's page.")
    description = models.TextField(
        blank=True, help_text="Longer explanation on the tier's own page (Markdown-free text)."
    )
    join_label = models.CharField(
        max_length=80, help_text='Button text, e.g. "Join Strategic Circle".'
    )

    class Meta:
        ordering = ["audience"]

    def __str__(self):
        return self.name

    @property
    def slug(self) -> str:
        return Audience(self.audience).slug


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

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    tier = models.PositiveSmallIntegerField(
        choices=[(tier.value, tier.label) for tier in access.TIERS]
    )
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
