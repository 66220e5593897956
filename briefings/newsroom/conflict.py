"""
Edit conflicts: a save based on a version that a colleague has since replaced is refused,
keeps everything typed in the form and shows what they changed.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from briefings import revisions
from briefings.models import Briefing
from briefings.pending.models import PendingChange


@dataclass
class EditConflict:
    """A save refused because someone saved a newer version since the form was opened."""

    base_version: int | None
    current_version: int
    saved_by: list[str]
    saved_at: datetime | None
    comparison: revisions.Comparison | None


def saved_version(briefing_pk) -> int | None:
    """
    The version saved now, or None when the briefing is gone. Inside a transaction the row
    stays locked until the save commits, so two saves of the same version cannot both pass.
    """
    saved = Briefing.objects.filter(pk=briefing_pk)
    if transaction.get_connection().in_atomic_block:
        saved = saved.select_for_update()
    return saved.values_list("version", flat=True).first()


def edit_conflict(briefing_pk, base_version, current_version) -> EditConflict:
    history = Briefing.history.filter(id=briefing_pk)
    latest = history.select_related("history_user").order_by("-history_date").first()
    base = (
        history.filter(version=base_version).order_by("-history_date").first()
        if base_version is not None
        else None
    )
    newer = history.select_related("history_user")
    if base is not None:
        newer = newer.filter(history_date__gt=base.history_date)
    saved_by = {
        str(r.history_user) if r.history_user else "someone (no user recorded)" for r in newer
    }
    saved_at = latest.history_date if latest else None
    # Changes to a live briefing not yet published raise the version too, without history.
    pending = PendingChange.objects.select_related("by").filter(briefing_id=briefing_pk).first()
    if pending is not None and (saved_at is None or pending.updated_at > saved_at):
        saved_by.add(f"{pending.by or 'someone'} (changes not yet published)")
        saved_at = pending.updated_at
    comparison = None
    if base is not None and latest is not None:
        comparison = revisions.compare(revisions.snapshot(base), revisions.snapshot(latest))
    return EditConflict(
        base_version=base_version,
        current_version=current_version,
        saved_by=sorted(saved_by),
        saved_at=saved_at,
        comparison=comparison,
    )


def conflict_error(conflict: EditConflict) -> ValidationError:
    """What the change form says above a refused save."""
    return ValidationError(
        "Not saved: while you were editing, %(who)s saved a newer version of this "
        "briefing (you started from version %(base)s; version %(current)s is saved now). "
        "Everything you typed is still in the form below. Compare their changes, shown "
        "above, with yours; then tick “Save my version over theirs” and save again, or "
        "bring their changes into your text first. Their version stays in the history.",
        code="edit_conflict",
        params={
            "who": ", ".join(conflict.saved_by) or "someone",
            "base": conflict.base_version or "unknown",
            "current": conflict.current_version,
        },
    )
