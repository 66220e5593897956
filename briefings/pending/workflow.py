"""
Saving, submitting, publishing and discarding a live briefing's pending change.

Each checks the permission itself, as the rest of the workflow does: writers and editors
save and submit changes, only editors publish them. Publishing applies the change to the
live rows in one transaction, after the pre-publish checks, and is a save like any other:
the version is raised, the history records it ("Published changes"), search is
reindexed and the caches follow the saved rows.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from briefings import signals
from briefings.models import Briefing
from briefings.pending.data import pending_briefing
from briefings.pending.models import PendingChange
from briefings.search import briefing_reindex
from briefings.workflow import (
    PublishProblem,
    _locked,
    _raise_problems,
    _require_publisher,
    _require_writer,
    _restore_citations,
    _restore_sections,
    _save_state,
    publish_problems,
)


def holds_changes(briefing: Briefing) -> bool:
    """
    Whether edits to `briefing` wait for an editor: readers see it, or will at its time
    without anyone pressing anything. Drafts, briefings in review and archived ones are
    edited directly.
    """
    return briefing.pk is not None and briefing.status in Briefing.LIVE_STATUSES


def pending_change_for(briefing: Briefing) -> PendingChange | None:
    if briefing is None or briefing.pk is None:
        return None
    return PendingChange.objects.select_related("by").filter(briefing=briefing).first()


def pending_change_save(*, briefing: Briefing, data: dict, by, submit: bool = False):
    """
    Keep `data` as `briefing`'s pending change (replacing any earlier one) and raise the
    briefing's version without touching its row otherwise: no history, no signals, so no
    reader, search document, feed or cache changes. `submit` asks an editor to publish it.
    """
    _require_writer(by)
    with transaction.atomic():
        Briefing.objects.filter(pk=briefing.pk).update(version=F("version") + 1)
        briefing.version = Briefing.objects.filter(pk=briefing.pk).values_list(
            "version", flat=True
        )[0]
        change, _ = PendingChange.objects.update_or_create(
            briefing=briefing, defaults={"data": data, "by": by}
        )
        if submit and not change.submitted_for_review:
            change.submitted_for_review = True
            change.save(update_fields=["submitted_for_review"])
    return change


def _state_problems(briefing: Briefing) -> list[PublishProblem]:
    """What the form checked when the changes were saved, and may have changed since."""
    problems = []
    if briefing.published_at is None:
        problems.append(
            PublishProblem(
                "A published or scheduled briefing needs its publish time. To take it off "
                "the site, use “Save and unpublish”.",
                "published_at",
            )
        )
    if Briefing.objects.exclude(pk=briefing.pk).filter(slug=briefing.slug).exists():
        problems.append(
            PublishProblem(
                f"Another briefing now has the address “{briefing.slug}”: choose another.",
                "slug",
            )
        )
    return problems


def briefing_publish_changes(*, briefing: Briefing, by) -> list[str]:
    """
    Put `briefing`'s pending change live: its fields, sections and citations replace the
    live ones (a moved publish time moves it between published and scheduled), after the
    pre-publish checks (ValidationError listing every problem, and nothing changes).
    Returns warnings about parts that could not be applied (a source deleted since).
    """
    _require_publisher(by)
    with transaction.atomic():
        fresh = _locked(briefing)
        change = PendingChange.objects.select_for_update().filter(briefing=fresh).first()
        if change is None:
            raise ValidationError("There are no changes waiting to be published.")
        if not holds_changes(fresh):
            raise ValidationError(
                "It is not published or scheduled any more: open it and save the changes."
            )
        pending = pending_briefing(fresh, change.data)
        problems = publish_problems(fresh, sections=pending.sections, citations=pending.citations)
        _raise_problems(problems + _state_problems(fresh))
        fresh.status = (
            Briefing.Status.SCHEDULED
            if fresh.published_at > timezone.now()
            else Briefing.Status.PUBLISHED
        )
        # The briefing is saved before its parts, so they belong to this version.
        _save_state(briefing, fresh, by=by, reason="Published changes")
        _restore_sections(fresh, pending.sections, by=by)
        _restore_citations(fresh, pending.citations, by=by)
        briefing_reindex(briefing=fresh)
        change.delete()
        # A moved publish time moves the e-mail with it (delivery plans it again).
        signals.briefing_published.send(sender=Briefing, briefing=fresh, by=by)
    return pending.warnings


def pending_change_discard(*, briefing: Briefing, by) -> bool:
    """Throw the pending change away; the live briefing stays as it is. False if none."""
    _require_writer(by)
    with transaction.atomic():
        deleted, _ = PendingChange.objects.filter(briefing=briefing).delete()
        if deleted:
            # A form still open on the discarded changes is refused as an edit conflict.
            Briefing.objects.filter(pk=briefing.pk).update(version=F("version") + 1)
    return bool(deleted)
