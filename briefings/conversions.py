"""
Which lock card led to each sign-up and application: first-party, in the session only.

A lock card's button carries `from=<briefing id>:<tier>` (`reading.conversion_source`).
When a reader arrives with it, `ConversionSourceMiddleware` keeps it in their session,
with the page the card was on (the `next` they carry), and nothing else: no cookie of our
own, no third-party script. When the reader then joins (sign-up) or applies, the members
app sends `members.signals.reader_converted`; `conversion_record` writes one
`LockCardConversion` naming the briefing, the card's tier and the page, and forgets the
source. Editors read the counts in admin, per briefing and per tier.

Lock-card impressions are not counted: a briefing page's parts are cached per reader
state and whole anonymous pages are answered from the page cache without reaching Django,
so counting views would either undo that caching or count only cache misses.

A forged or stale `from` (not the shape, a briefing that does not exist, a tier that is
not one) is ignored. Pages never vary by it: an address with a parameter no page reads is
served but never cached (`config.caching.cache_address`).
"""

import re
import time
from urllib.parse import urlsplit

from django.db import models
from django.dispatch import receiver

from briefings.models import Briefing
from members import access
from members.access import Audience
from members.redirects import safe_next
from members.signals import reader_converted

SESSION_KEY = "briefings_conversion_source"
# A card followed longer ago than this did not lead to the sign-up.
SOURCE_SECONDS = 24 * 60 * 60
SOURCE_SHAPE = re.compile(r"^(\d{1,12}):([a-z-]{1,40})$")
PARAMETER = "from"


class LockCardConversion(models.Model):
    """One sign-up or application that followed a lock card."""

    class Kind(models.TextChoices):
        SIGNUP = "signup", "Sign-up"
        APPLICATION = "application", "Application"

    briefing = models.ForeignKey(Briefing, on_delete=models.CASCADE, related_name="conversions")
    card_tier = models.PositiveSmallIntegerField(
        "lock card", choices=access.TIER_CHOICES, help_text="The tier of the card followed."
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    page = models.CharField(max_length=200, blank=True, help_text="The page the card was on.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "lock card conversion"

    def __str__(self):
        return (
            f"{self.get_kind_display()} from {self.get_card_tier_display()} on {self.briefing_id}"
        )


def source_parse(value: str) -> tuple[int, Audience] | None:
    """(briefing id, tier) from a `from` value, or None for anything else."""
    match = SOURCE_SHAPE.match(value or "")
    if not match:
        return None
    try:
        tier = Audience.from_slug(match.group(2))
    except ValueError:
        return None
    if tier not in access.TIERS:
        return None
    return int(match.group(1)), tier


class ConversionSourceMiddleware:
    """Keeps the lock card a reader followed (`?from=`) in their session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        value = request.GET.get(PARAMETER) if request.method == "GET" else None
        if value and source_parse(value) is not None:
            page = urlsplit(safe_next(request)).path[:200]
            request.session[SESSION_KEY] = {"source": value, "page": page, "at": time.time()}
        return self.get_response(request)


@receiver(reader_converted, dispatch_uid="briefings-conversion-record")
def conversion_record(sender, *, request, kind, **kwargs) -> None:
    """Record the sign-up or application against the card that led to it, if one did."""
    if request is None or not hasattr(request, "session"):
        return
    kept = request.session.pop(SESSION_KEY, None)
    if not isinstance(kept, dict) or time.time() - kept.get("at", 0) > SOURCE_SECONDS:
        return
    parsed = source_parse(kept.get("source", ""))
    if parsed is None or kind not in LockCardConversion.Kind.values:
        return
    briefing_id, tier = parsed
    if not Briefing.objects.filter(pk=briefing_id).exists():
        return
    LockCardConversion.objects.create(
        briefing_id=briefing_id,
        card_tier=tier,
        kind=kind,
        page=str(kept.get("page", ""))[:200],
    )
