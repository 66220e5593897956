"""
What an editor typed in a briefing's change form and has not saved, kept by the form's
autosave (briefings/newsroom/autosave.py, static/js/autosave.js).

A live briefing's autosave is its pending change (briefings.pending): the same thing a
save writes, which readers never see. Every other briefing (a draft, one in review, an
archived one) keeps one `Autosave` per editor, as WordPress keeps an autosave revision
per user: private to them and never the briefing's rows. Writing the rows every few
seconds would fill the revision history, raise the version (turning a colleague's open
form into an edit conflict each time) and drop every reader's cached page.

The form opens with the editor's own autosave when nothing has been saved since it was
made (its `base_version` is the version now); otherwise it offers to restore it, and the
save that follows meets the edit-conflict check from the version it was typed on.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class Autosave(models.Model):
    """One editor's unsaved change form of one briefing (briefings.pending.data's shape)."""

    briefing = models.ForeignKey("briefings.Briefing", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(encoder=DjangoJSONEncoder)
    base_version = models.PositiveIntegerField(
        null=True, help_text="The briefing's version the form was opened at."
    )
    saved_at = models.DateTimeField()

    class Meta:
        app_label = "briefings"
        constraints = [models.UniqueConstraint(fields=["briefing", "user"], name="one_autosave")]

    def __str__(self):
        return f"{self.user}'s autosave of briefing {self.briefing_id}"

    def is_current(self, briefing) -> bool:
        """Nothing has been saved since it was made."""
        return self.base_version == briefing.version


def autosave_write(*, briefing, user, data: dict, base_version: int | None) -> Autosave:
    autosave, _ = Autosave.objects.update_or_create(
        briefing=briefing,
        user=user,
        defaults={"data": data, "base_version": base_version, "saved_at": timezone.now()},
    )
    return autosave


def autosave_for(briefing, user) -> Autosave | None:
    if briefing is None or briefing.pk is None or not user.is_authenticated:
        return None
    return Autosave.objects.filter(briefing=briefing, user=user).first()


def autosave_discard(*, briefing, user) -> bool:
    """Forget `user`'s autosave of `briefing` (saved, or thrown away). False if none."""
    deleted, _ = Autosave.objects.filter(briefing=briefing, user=user).delete()
    return bool(deleted)
