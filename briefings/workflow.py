"""
The editorial workflow: submit, publish, schedule, unpublish, archive and restore.

Every change of a briefing's publishing state goes through these functions, from the
admin's list actions, its change-form buttons, the importer and anything else: each one
checks the permission and, before anything goes live, the pre-publish checks. Each raises
the briefing's `version` so that a colleague's open form based on the older version is
refused instead of silently undoing the change (see the newsroom's edit conflicts).
Submitting, sending back and publishing what was in review also tell the people concerned
(briefings/reviewing.py).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from briefings import reviewing, revisions, signals
from briefings.models import Briefing, Citation, ReviewNote, Section, Source
from briefings.search import briefing_reindex
from members import access

PUBLISH_PERMISSION = "briefings.publish_briefing"
PREVIEW_PERMISSION = "briefings.preview_briefing"
CHANGE_PERMISSION = "briefings.change_briefing"
WRITERS_GROUP = "writers"
EDITORS_GROUP = "editors"

# Statuses a writer may leave a briefing in; anything else needs the publish permission.
WRITER_STATUSES = frozenset({Briefing.Status.DRAFT, Briefing.Status.REVIEW})
RETURN_REASON_REQUIRED = (
    "Say why it goes back: the writer sees your reason on the briefing and by e-mail."
)


def can_publish(user) -> bool:
    return user.has_perm(PUBLISH_PERMISSION)


def shared_part_is_published(obj) -> bool:
    """
    Whether a source or a taxonomy term shows on a page readers can see (or will see at
    its time, or saw): it is cited by, or classifies, a briefing past the writers' stage.
    Changing it changes those pages, so it follows the same rule as the briefings.
    """
    if obj is None or obj.pk is None:
        return False
    past_writers = Briefing.objects.exclude(status__in=WRITER_STATUSES)
    if isinstance(obj, Source):
        return past_writers.filter(citations__source=obj).exists()
    return past_writers.filter(**{type(obj)._meta.model_name: obj}).exists()


def may_change_shared_part(user, obj) -> bool:
    """Writers change sources and terms only while no published briefing shows them."""
    return can_publish(user) or not shared_part_is_published(obj)


def can_preview(user) -> bool:
    return user.is_active and user.is_staff and user.has_perm(PREVIEW_PERMISSION)


@dataclass(frozen=True)
class PublishProblem:
    """One reason a briefing cannot go live; `field` names the form field to fix."""

    message: str
    field: str | None = None


def headline_problems(briefing: Briefing) -> list[PublishProblem]:
    """The checks on the briefing's own fields."""
    problems = []
    if not briefing.title.strip():
        problems.append(PublishProblem("Give it a title.", "title"))
    if not briefing.summary.strip():
        problems.append(
            PublishProblem(
                "Write a summary: it is the public standfirst in lists, feeds and search.",
                "summary",
            )
        )
    if not _has_category(briefing):
        problems.append(
            PublishProblem("Choose a category: it places the briefing in coverage.", "category")
        )
    if briefing.kind == Briefing.Kind.SIGNAL_BRIEF:
        if not briefing.impact:
            problems.append(PublishProblem("A signal briefing needs its impact.", "impact"))
        if briefing.confidence is None:
            problems.append(
                PublishProblem("A signal briefing needs its confidence (percent).", "confidence")
            )
    return problems


def _has_category(briefing: Briefing) -> bool:
    # An import checks a briefing before saving it: a category new with that import is
    # set on it but has no id yet.
    if briefing.category_id is not None:
        return True
    return Briefing.category.is_cached(briefing) and briefing.category is not None


def section_problems(sections: Iterable[Section]) -> list[PublishProblem]:
    """Readers without a membership must find something to read, not only lock cards."""
    if any(not access.is_gated(s.audience) and s.body.strip() for s in sections):
        return []
    return [
        PublishProblem(
            "Add at least one public section with text: readers without a membership "
            "would otherwise see nothing but lock cards."
        )
    ]


def citation_problems(citations: Iterable[Citation]) -> list[PublishProblem]:
    """A source is public: readers need its link, or members a note saying why none."""
    return [
        PublishProblem(
            f"The source “{citation.source}” has no link: add its URL to the source, or "
            "write a note on the citation explaining why there is none."
        )
        for citation in citations
        if not citation.source.url.strip() and not citation.note.strip()
    ]


def publish_problems(
    briefing: Briefing, *, sections: Iterable[Section], citations: Iterable[Citation]
) -> list[PublishProblem]:
    """Everything that stops `briefing` with these parts going live, in the order to fix it."""
    return [
        *headline_problems(briefing),
        *section_problems(sections),
        *citation_problems(citations),
    ]


def briefing_publish_problems(*, briefing: Briefing) -> list[PublishProblem]:
    """Everything that stops `briefing` going live as saved, in the order to fix it."""
    return publish_problems(
        briefing,
        sections=briefing.sections.all(),
        citations=briefing.citations.select_related("source"),
    )


def go_live(
    briefing: Briefing,
    *,
    sections: Iterable[Section],
    citations: Iterable[Citation],
    at: datetime | None = None,
) -> str:
    """
    The one way a briefing goes live: after the pre-publish checks on it and its parts
    (ValidationError listing every problem), it is published at `at`, or scheduled when
    `at` is in the future. Without `at` it goes live now, or keeps its earlier publish
    time when it was published before. Saves nothing and checks no permission: the
    caller does (`briefing_publish` for an editor, the importer for a file). Returns the
    reason to record in the history.
    """
    _raise_problems(publish_problems(briefing, sections=sections, citations=citations))
    now = timezone.now()
    if at is None:
        earlier = briefing.published_at
        at = earlier if earlier is not None and earlier <= now else now
    briefing.published_at = at
    if at > now:
        briefing.status = Briefing.Status.SCHEDULED
        return f"Scheduled for {timezone.localtime(at):%Y-%m-%d %H:%M %Z}"
    briefing.status = Briefing.Status.PUBLISHED
    return "Published"


def _require_publisher(user) -> None:
    if not can_publish(user):
        raise PermissionDenied(
            "Only editors can publish, schedule, unpublish or archive a briefing. "
            "Submit it for review instead."
        )


def _require_writer(user) -> None:
    if not user.has_perm(CHANGE_PERMISSION):
        raise PermissionDenied("You may not change briefings.")


def _locked(briefing: Briefing) -> Briefing:
    """The briefing's row as saved now, locked until the transaction ends."""
    return Briefing.objects.select_for_update().get(pk=briefing.pk)


def _save_state(briefing: Briefing, fresh: Briefing, *, by, reason: str) -> Briefing:
    fresh.version += 1
    fresh._history_user = by
    fresh._change_reason = reason
    fresh.save()
    # The caller's object now tells the truth too.
    for name in ("status", "published_at", "version", "updated_at"):
        setattr(briefing, name, getattr(fresh, name))
    return briefing


def _raise_problems(problems: list[PublishProblem]) -> None:
    if problems:
        raise ValidationError([problem.message for problem in problems])


def briefing_publish(*, briefing: Briefing, by, at: datetime | None = None) -> Briefing:
    """
    Put `briefing` live at `at`: a future time schedules it (it appears at that time, with
    no background job, because visibility is decided at read time). Without `at` it goes
    live now, or keeps its earlier publish time when it was published before.
    Raises PermissionDenied for anyone without the publish permission, and
    ValidationError listing every pre-publish problem.
    """
    _require_publisher(by)
    with transaction.atomic():
        fresh = _locked(briefing)
        was_in_review = fresh.status == Briefing.Status.REVIEW
        reason = go_live(
            fresh,
            sections=fresh.sections.all(),
            citations=fresh.citations.select_related("source"),
            at=at,
        )
        _save_state(briefing, fresh, by=by, reason=reason)
        if was_in_review:
            reviewing.email_on_publish(briefing=fresh, by=by)
        # Delivery (who gets it by e-mail, and when) listens; briefings never imports it.
        signals.briefing_published.send(sender=Briefing, briefing=fresh, by=by)
        return briefing


def _move(briefing: Briefing, *, by, allowed, to: str, refusal: str, reason: str, then=None):
    """
    Move the locked briefing from one of the `allowed` statuses to `to`, or refuse.
    Returns the briefing, or what `then(saved)` returns, asked in the same transaction.
    """
    with transaction.atomic():
        fresh = _locked(briefing)
        if fresh.status not in allowed:
            raise ValidationError(refusal)
        fresh.status = to
        moved = _save_state(briefing, fresh, by=by, reason=reason)
        return then(fresh) if then is not None else moved


def briefing_unpublish(*, briefing: Briefing, by) -> Briefing:
    """Take a live, scheduled or archived briefing back to draft; it keeps its publish time."""
    _require_publisher(by)
    return _move(
        briefing,
        by=by,
        allowed={*Briefing.LIVE_STATUSES, Briefing.Status.ARCHIVED},
        to=Briefing.Status.DRAFT,
        refusal="It is not published, scheduled or archived.",
        reason="Unpublished",
    )


def briefing_archive(*, briefing: Briefing, by) -> Briefing:
    """Take a briefing off the site for good, keeping it (and its history) in admin."""
    _require_publisher(by)
    return _move(
        briefing,
        by=by,
        allowed=set(Briefing.Status) - {Briefing.Status.ARCHIVED},
        to=Briefing.Status.ARCHIVED,
        refusal="It is already archived.",
        reason="Archived",
    )


def briefing_submit_for_review(*, briefing: Briefing, by) -> list[PublishProblem]:
    """
    Hand a draft to the editors. Returns what would still stop it going live, so the
    writer can fix it before an editor has to ask.
    """
    _require_writer(by)
    return _move(
        briefing,
        by=by,
        allowed={Briefing.Status.DRAFT},
        to=Briefing.Status.REVIEW,
        refusal="Only a draft can be submitted for review.",
        reason=reviewing.SUBMITTED,
        then=lambda fresh: _submitted(fresh, by=by),
    )


def _submitted(fresh: Briefing, *, by) -> list[PublishProblem]:
    reviewing.email_on_submit(briefing=fresh, by=by)
    return briefing_publish_problems(briefing=fresh)


def briefing_return_to_draft(*, briefing: Briefing, by, reason: str = "") -> Briefing:
    """
    Take a briefing out of review: its writer wants it back, or someone else (an editor)
    sends it back, which needs a `reason` for the writer (ValidationError without one).
    The reason is kept as a `ReviewNote`, shown to the writer and e-mailed to them.
    """
    _require_writer(by)
    reason = reason.strip()
    writer = reviewing.submitter_of(briefing)
    if not reason and reviewing.return_needs_reason(briefing=briefing, by=by):
        raise ValidationError(RETURN_REASON_REQUIRED)

    def noted(fresh):
        if reason:
            note = ReviewNote.objects.create(briefing=fresh, by=by, reason=reason)
            reviewing.email_on_return(note=note, writer=writer)
        return briefing

    return _move(
        briefing,
        by=by,
        allowed={Briefing.Status.REVIEW},
        to=Briefing.Status.DRAFT,
        refusal="Only a briefing in review can go back to draft.",
        reason="Returned to draft",
        then=noted,
    )


def briefing_restore(*, briefing: Briefing, record, by) -> list[str]:
    """
    Bring back the text, classification, sections and citations `briefing` had at the
    version saved as `record` (a row of `briefing.history`). Its address and publishing
    state stay as they are now; the current content stays in the history as the version
    before the restore, so a restore can itself be undone. Returns warnings about parts
    that could not come back (a source or category deleted since). A live briefing must
    still pass the pre-publish checks afterwards, or nothing is restored.
    """
    if record.id != briefing.pk:
        raise ValidationError("That version belongs to another briefing.")
    _require_writer(by)
    then = revisions.snapshot(record)
    unrecorded = [then.unrecorded_note] if then.unrecorded_note else []
    with transaction.atomic():
        fresh = _locked(briefing)
        if fresh.status in {*Briefing.LIVE_STATUSES, Briefing.Status.ARCHIVED}:
            _require_publisher(by)
        warnings = _restore_fields(fresh, record)
        # The briefing is saved before its parts, as in the admin, so the parts' rows
        # belong to this new version in the history.
        _save_state(briefing, fresh, by=by, reason=f"Restored version {record.version}")
        _restore_sections(fresh, then.sections, by=by)
        warnings += _restore_citations(fresh, then.citations, by=by)
        briefing_reindex(briefing=fresh)
        if fresh.status in Briefing.LIVE_STATUSES:
            _raise_problems(briefing_publish_problems(briefing=fresh))
    for name in revisions.CONTENT_FIELDS:
        attname = f"{name}_id" if name in revisions.FOREIGN_KEYS else name
        setattr(briefing, attname, getattr(fresh, attname))
    return unrecorded + warnings


def _restore_fields(fresh: Briefing, record) -> list[str]:
    """The content fields as `record` had them; warns about taxonomy deleted since."""
    warnings = []
    for name in revisions.CONTENT_FIELDS:
        if name not in revisions.FOREIGN_KEYS:
            setattr(fresh, name, getattr(record, name))
            continue
        value = getattr(record, f"{name}_id")
        model = revisions.FOREIGN_KEYS[name]
        if value is not None and not model.objects.filter(pk=value).exists():
            warnings.append(
                f"The {name.replace('_', ' ')} it had then has been deleted; "
                f"the {name.replace('_', ' ')} is now empty."
            )
            value = None
        setattr(fresh, f"{name}_id", value)
    return warnings


def _delete_all_but(rows, keep: set, *, by) -> None:
    """Delete the parts not kept, one by one so that each leaves its history record."""
    for row in rows.exclude(pk__in=keep):
        row._history_user = by
        row.delete()


def _restore_sections(fresh: Briefing, sections, *, by) -> None:
    _delete_all_but(fresh.sections, {s.id for s in sections}, by=by)
    for old in sections:
        section = Section(
            pk=old.id,
            briefing=fresh,
            position=old.position,
            heading=old.heading,
            body=old.body,
            audience=old.audience,
        )
        section._history_user = by
        section.save()


def _restore_citations(fresh: Briefing, citations, *, by) -> list[str]:
    """The citations back, but for those of a source deleted since (one warning each)."""
    warnings = []
    _delete_all_but(fresh.citations, {c.id for c in citations}, by=by)
    existing_sources = set(
        Source.objects.filter(pk__in=[c.source_id for c in citations]).values_list("pk", flat=True)
    )
    for old in citations:
        if old.source_id not in existing_sources:
            warnings.append(
                "A source it cited then has been deleted, so that citation is not back."
            )
            continue
        citation = Citation(
            pk=old.id,
            briefing=fresh,
            source_id=old.source_id,
            position=old.position,
            note=old.note,
        )
        citation._history_user = by
        citation.save()
    return warnings
