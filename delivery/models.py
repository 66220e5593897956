"""
What members asked to receive, and the ledger of what was sent to them.

`Follow` and `SavedSearch` say what a member wants to hear about; `DeliveryPreference`
says how (each briefing, a daily or weekly digest, or none) and when; `Suppression` lists
addresses no briefing e-mail may go to. `Delivery` is the ledger: one row per person and
reason (`key`), unique in the database, so a briefing is never sent twice to the same
person for the same reason whatever a worker does. `BriefingSend` is the editor's choice
of who gets a briefing by e-mail; `PrivateFeed` a member's revocable feed address.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from briefings.models import Briefing, Category, Region, Topic
from members import access
from members.time_zones import validate_time_zone

# The validator migration 0001 names; the rule is members.time_zones'.
validate_timezone = validate_time_zone


class Follow(models.Model):
    """A member follows one category, region or topic (exactly one of the three)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.CASCADE)
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now)

    TARGETS = ("category", "region", "topic")

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(category__isnull=False, region__isnull=True, topic__isnull=True)
                    | Q(category__isnull=True, region__isnull=False, topic__isnull=True)
                    | Q(category__isnull=True, region__isnull=True, topic__isnull=False)
                ),
                name="follow_exactly_one_target",
            ),
            *(
                models.UniqueConstraint(
                    fields=["user", target],
                    condition=Q(**{f"{target}__isnull": False}),
                    name=f"follow_unique_{target}",
                )
                for target in ("category", "region", "topic")
            ),
        ]

    def __str__(self):
        return f"{self.user} follows {self.kind} {self.target}"

    @property
    def kind(self) -> str:
        return next(name for name in self.TARGETS if getattr(self, f"{name}_id"))

    @property
    def target(self):
        return getattr(self, self.kind)


class SavedSearch(models.Model):
    """A search with its filters, saved as an alert: new briefings it finds are sent."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(max_length=200)
    # The search's query string, normalised (sorted, empty values and `page` dropped), so
    # the same search saved twice is one alert.
    query_string = models.CharField(max_length=1000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "saved searches"
        constraints = [
            models.UniqueConstraint(fields=["user", "query_string"], name="saved_search_unique")
        ]

    def __str__(self):
        return self.name


class DeliveryPreference(models.Model):
    """How and when a member hears about new briefings. New accounts: a weekly digest."""

    class Cadence(models.TextChoices):
        EACH = "each", "An e-mail for each new briefing I follow"
        DAILY = "daily", "A daily digest"
        WEEKLY = "weekly", "A weekly digest"
        NONE = "none", "No alerts or digests"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="delivery_preference",
    )
    cadence = models.CharField(max_length=10, choices=Cadence.choices, default=Cadence.WEEKLY)
    digest_hour = models.PositiveSmallIntegerField(
        default=8, help_text="Local hour (0 to 23) digests are sent at."
    )
    digest_weekday = models.PositiveSmallIntegerField(
        default=0,
        choices=[
            (0, "Monday"),
            (1, "Tuesday"),
            (2, "Wednesday"),
            (3, "Thursday"),
            (4, "Friday"),
            (5, "Saturday"),
            (6, "Sunday"),
        ],
        help_text="Day of the week weekly digests are sent on.",
    )
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(digest_hour__gte=0, digest_hour__lte=23), name="digest_hour_range"
            ),
            models.CheckConstraint(
                condition=Q(digest_weekday__gte=0, digest_weekday__lte=6),
                name="digest_weekday_range",
            ),
        ]

    def __str__(self):
        return f"{self.user}: {self.get_cadence_display()}"


class Suppression(models.Model):
    """An address no briefing, alert or digest e-mail goes to. Every send checks it."""

    class Reason(models.TextChoices):
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
        BOUNCED = "bounced", "Hard bounce"
        COMPLAINED = "complained", "Complaint"

    # Stored lower-cased; compared lower-cased.
    address = models.EmailField(unique=True)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    detail = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.address} ({self.get_reason_display()})"

    def save(self, *args, **kwargs):
        self.address = self.address.strip().lower()
        super().save(*args, **kwargs)


class BriefingSend(models.Model):
    """The editor's choice, made on publishing or scheduling: who gets this by e-mail."""

    class Recipients(models.TextChoices):
        FOLLOWERS = "followers", "Members who follow its category, region or topic"
        TIER = "tier", "Every member of a tier"
        NOBODY = "nobody", "No one"

    briefing = models.OneToOneField(Briefing, on_delete=models.CASCADE, related_name="send")
    recipients = models.CharField(
        max_length=10, choices=Recipients.choices, default=Recipients.NOBODY
    )
    # With TIER: members whose audience reaches this tier.
    tier = models.PositiveSmallIntegerField(choices=access.TIER_CHOICES, null=True, blank=True)
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    chosen_at = models.DateTimeField(default=timezone.now)
    # Set once the recipients were written to the ledger (the fan-out ran).
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(recipients="tier", tier__isnull=False) | ~Q(recipients="tier"),
                name="briefing_send_tier_named",
            )
        ]

    def __str__(self):
        return f"{self.briefing}: {self.get_recipients_display()}"


class Delivery(models.Model):
    """
    One e-mail to one person for one reason. `key` names the reason ("briefing:<id>",
    "digest:daily:2026-12-03", "digest:weekly:2026-W49"); (user, key) is unique, so no
    retry, second worker or second click can send it twice.
    """

    class Kind(models.TextChoices):
        BRIEFING = "briefing", "Briefing"
        DIGEST = "digest", "Digest"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Being handed to SMTP"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SUPPRESSED = "suppressed", "Suppressed"
        SKIPPED = "skipped", "Skipped"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deliveries"
    )
    key = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    briefing = models.ForeignKey(
        Briefing, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    # Why this person: "followers", "tier", "daily", "weekly".
    reason = models.CharField(max_length=20)
    # A digest's briefings (ids, in the order listed), chosen when it was queued; each is
    # rendered for the reader at send time, and one no longer live is left out.
    items = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # When a worker claimed it (status "sending"): a row left sending long after was
    # interrupted mid-hand-over (delivery.sending.deliveries_recover_stale).
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="delivery_once_per_reason")
        ]
        indexes = [
            models.Index(fields=["briefing", "status"], name="delivery_briefing_status"),
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
        ]

    def __str__(self):
        return f"{self.key} → {self.user} ({self.get_status_display()})"


class PrivateFeed(models.Model):
    """A member's private feed address. Only a hash of its token is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="private_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Private feed of {self.user} from {self.created_at:%Y-%m-%d}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
