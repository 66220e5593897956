"""
Who else has a briefing's change form open (Wagtail's concurrent-editing notice,
WordPress's post lock), told before the conflict check at save (newsroom/conflict.py).

Opening the change form, and saving it, marks the briefing as open by that user; a mark
not refreshed for OPEN_FOR expires. Nothing is blocked: the notice only says who and since
when. Kept in the database, not the cache, so it holds when the cache is unavailable.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

OPEN_FOR = timedelta(minutes=15)


class EditingSession(models.Model):
    """One user having one briefing's change form open, since `opened_at`."""

    briefing = models.ForeignKey("briefings.Briefing", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField()
    last_seen = models.DateTimeField()

    class Meta:
        app_label = "briefings"
        constraints = [
            models.UniqueConstraint(fields=["briefing", "user"], name="one_editing_session")
        ]

    def __str__(self):
        return f"{self.user} has briefing {self.briefing_id} open"


def mark_open(briefing, user, now=None) -> None:
    """Record (or refresh) that `user` has `briefing` open: one query while the mark is fresh."""
    now = now or timezone.now()
    fresh = EditingSession.objects.filter(
        briefing=briefing, user=user, last_seen__gte=now - OPEN_FOR
    )
    if not fresh.update(last_seen=now):
        EditingSession.objects.update_or_create(
            briefing=briefing, user=user, defaults={"opened_at": now, "last_seen": now}
        )


def others_open(briefing, user, now=None) -> list[EditingSession]:
    """The others who have `briefing` open now, first opened first: one query."""
    now = now or timezone.now()
    return list(
        EditingSession.objects.filter(briefing=briefing, last_seen__gte=now - OPEN_FOR)
        .exclude(user=user)
        .select_related("user")
        .order_by("opened_at")
    )
