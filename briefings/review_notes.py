"""Why a briefing in review was sent back: a model of the briefings app (briefings.reviewing)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from briefings.fields import TextField
from briefings.models import Briefing


class ReviewNote(models.Model):
    """Why a briefing in review was sent back to its writer, shown until it is resubmitted."""

    briefing = models.ForeignKey(Briefing, on_delete=models.CASCADE, related_name="review_notes")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["briefing", "-created_at"], name="review_note_latest")]

    def __str__(self):
        return f"Sent back by {self.by or 'someone'} at {self.created_at:%Y-%m-%d %H:%M}"
