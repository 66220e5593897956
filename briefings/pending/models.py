"""The one pending change a live briefing may have (see briefings.pending)."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class PendingChange(models.Model):
    """
    What the change form would have saved for a live briefing, not yet published: its
    editable fields, sections and citations (`briefings.pending.data`). Readers never see
    it. Saving it raises the briefing's `version`, so an edit conflict with it is caught
    like any other.
    """

    briefing = models.OneToOneField(
        "briefings.Briefing", on_delete=models.CASCADE, related_name="pending_change"
    )
    data = models.JSONField(encoder=DjangoJSONEncoder)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)
    submitted_for_review = models.BooleanField(
        default=False, help_text="A writer asked an editor to publish these changes."
    )

    class Meta:
        app_label = "briefings"

    def __str__(self):
        return f"Changes to briefing {self.briefing_id} not yet published"
