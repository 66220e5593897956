"""
Review that talks: who submitted a briefing and when, why an editor sent it back, and the
e-mails that tell editors something waits for them and writers what became of their work.

Who submitted is read from the revision history (the version saved with the reason
`SUBMITTED`), so it needs no column of its own and stays true after a restore. A note an
editor writes when sending a briefing back is a `ReviewNote`; the writer sees the notes
written since the last submission on the change form until they submit it again.

E-mails are rendered in the workflow's transaction, from the rows as they are there, and
queued for the task worker (members.tasks) only when it commits: a refused or rolled-back
change tells no one. They are transactional, like the membership e-mails: the briefing
suppression list does not apply.
"""

import logging
from datetime import UTC, datetime
from functools import partial

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse

from briefings.models import Briefing, ReviewNote
from briefings.pending.models import PendingChange
from members.tasks import email_queue

logger = logging.getLogger(__name__)

# The history reason of the version saved by `workflow.briefing_submit_for_review`.
SUBMITTED = "Submitted for review"
PUBLISH_PERMISSION = "briefings.publish_briefing"
NOTES_SHOWN = 3
_LONG_AGO = Value(datetime(1970, 1, 1, tzinfo=UTC))


def _submissions():
    return Briefing.history.filter(history_change_reason=SUBMITTED).order_by("-history_date")


def submission_of(briefing):
    """The history record of `briefing`'s latest submission for review, or None."""
    if briefing is None or briefing.pk is None:
        return None
    return _submissions().filter(id=briefing.pk).select_related("history_user").first()


def submitter_of(briefing):
    """Who last submitted `briefing` for review (its writer, for the newsroom), or None."""
    record = submission_of(briefing)
    return record.history_user if record is not None else None


def awaiting_review():
    """
    Briefings in review, oldest submission first, each with `submitted_at` and
    `submitted_by` (an e-mail address, or None). One query.
    """
    latest = _submissions().filter(id=OuterRef("pk"))
    return (
        Briefing.objects.filter(status=Briefing.Status.REVIEW)
        .annotate(
            submitted_at=Coalesce(Subquery(latest.values("history_date")[:1]), "updated_at"),
            submitted_by=Subquery(latest.values("history_user__email")[:1]),
        )
        .order_by("submitted_at", "pk")
    )


def changes_awaiting_review():
    """
    Changes to live briefings that writers submitted for review (`PendingChange`), oldest
    first, with their briefing and who saved them. One query.
    """
    return (
        PendingChange.objects.filter(submitted_for_review=True)
        .select_related("briefing", "by")
        .order_by("updated_at", "pk")
    )


def notes_to_answer(briefing) -> list[ReviewNote]:
    """
    What the editors said when they last sent `briefing` back, newest first: the notes
    written since its latest submission, while it is a draft. One query.
    """
    if briefing is None or briefing.pk is None or briefing.status != Briefing.Status.DRAFT:
        return []
    since = Subquery(_submissions().filter(id=briefing.pk).values("history_date")[:1])
    notes = ReviewNote.objects.filter(briefing=briefing, created_at__gt=Coalesce(since, _LONG_AGO))
    return list(notes.select_related("by")[:NOTES_SHOWN])


def publisher_addresses(*, excluding=None) -> list[str]:
    """The addresses of active staff who may publish, but for `excluding`'s."""
    # Django's own answer to "who holds this permission" (superusers, groups, their own).
    users = ModelBackend().with_perm(PUBLISH_PERMISSION)
    users = users.filter(is_staff=True).exclude(email="")
    if excluding is not None:
        users = users.exclude(pk=excluding.pk)
    return sorted(users.values_list("email", flat=True))


def _someone_else(writer, by) -> bool:
    """Whether `writer` should hear of what `by` did: another, active person with an address."""
    return (
        writer is not None
        and writer.is_active
        and bool(writer.email)
        and (by is None or writer.pk != by.pk)
    )


# --- E-mail ---------------------------------------------------------------------------


def _change_url(briefing) -> str:
    path = reverse("admin:briefings_briefing_change", args=[briefing.pk])
    return f"{settings.SITE_URL}{path}"


def _message(*, template: str, to: str, context: dict) -> EmailMultiAlternatives:
    """The e-mail rendered from templates/briefings/email/<template>_*."""
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
    prefix = f"briefings/email/{template}"
    subject = " ".join(render_to_string(f"{prefix}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=f"[{settings.SITE_NAME}] {subject}",
        body=render_to_string(f"{prefix}_message.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(render_to_string(f"{prefix}_message.html", context), "text/html")
    return message


def _queue(message) -> None:
    try:
        email_queue(message)
    except Exception:
        # The change is committed; a queue that cannot take its e-mail does not undo it.
        logger.exception("could not queue the review e-mail %r", message.subject)


def _send_on_commit(*, template: str, to: list[str], context: dict) -> None:
    for address in to:
        message = _message(template=template, to=address, context=context)
        transaction.on_commit(partial(_queue, message))


def email_on_submit(*, briefing, by) -> None:
    """Tell the editors (but the one who submitted it) that `briefing` waits for review."""
    _send_on_commit(
        template="review_submitted",
        to=publisher_addresses(excluding=by),
        context={"briefing": briefing, "by": by, "change_url": _change_url(briefing)},
    )


def email_on_return(*, note: ReviewNote, writer) -> None:
    """Tell the writer their briefing came back to them, and why."""
    if _someone_else(writer, note.by):
        _send_on_commit(
            template="review_returned",
            to=[writer.email],
            context={
                "briefing": note.briefing,
                "note": note,
                "change_url": _change_url(note.briefing),
            },
        )


def email_on_publish(*, briefing, by) -> None:
    """Tell the writer who submitted `briefing` that it is published (or scheduled)."""
    writer = submitter_of(briefing)
    if _someone_else(writer, by):
        _send_on_commit(
            template="review_published",
            to=[writer.email],
            context={
                "briefing": briefing,
                "by": by,
                "scheduled": briefing.status == Briefing.Status.SCHEDULED,
                "page_url": f"{settings.SITE_URL}{briefing.get_absolute_url()}",
                "change_url": _change_url(briefing),
            },
        )


def return_needs_reason(*, briefing, by) -> bool:
    """
    Sending a briefing back to someone else needs a reason for them; its writer taking
    their own submission back does not.
    """
    writer = submitter_of(briefing)
    return writer is None or by is None or writer.pk != by.pk
