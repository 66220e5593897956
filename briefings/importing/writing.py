"""
Writing briefings from documents: one file in its own transaction, or a batch of new
ones in a fixed number of statements (parts through COPY on PostgreSQL), and the search
reindex that follows each batch on a connection of its own.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from briefings import workflow
from briefings.caching import content_changed
from briefings.images.models import Image
from briefings.images.references import (
    images_named,
    section_html,
    unknown_message,
    unknown_references,
)
from briefings.importing.documents import BriefingDocument
from briefings.importing.frontmatter import IMAGE_KEYS
from briefings.importing.lookups import ImportLookups
from briefings.importing.rows import (
    creation_history_write,
    history_user,
    insert_new,
    insert_new_numbered,
)
from briefings.markdown import render_markdown
from briefings.models import Briefing, Category, Citation, Section, Source
from briefings.pending import data as pending_data
from briefings.pending.workflow import pending_change_save
from briefings.search import briefings_index_written, briefings_reindex
from briefings.services import TAXONOMY_MODELS


class BriefingExists(Exception):
    """The document's slug is taken and the caller did not ask to update."""

    def __init__(self, slug):
        self.slug = slug
        super().__init__(f"a briefing with the slug {slug!r} already exists")


class DocumentInvalid(Exception):
    """The document parsed but does not make a valid briefing."""


class ReplaceRefused(DocumentInvalid):
    """The importer may not publish, and the briefing it would replace is past drafting."""

    def __init__(self, briefing: Briefing):
        super().__init__(
            f"the briefing {briefing.slug!r} is {briefing.get_status_display().lower()}: "
            "only editors can replace it; nothing changed"
        )


class CannotGoLive(DocumentInvalid):
    """The document says it is live, but the briefing fails the pre-publish checks."""

    def __init__(self, status: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"it says {status} but cannot go live: {' '.join(problems)}")


@dataclass
class SaveOutcome:
    briefing: Briefing
    created: bool
    created_taxonomy: list[str] = field(default_factory=list)
    # Kept as the live briefing's changes waiting to be published (briefings.pending).
    pending: bool = False


# Fields a document fully describes: an update resets the ones it leaves out.
DOCUMENT_FIELDS = {
    f.name: f
    for f in Briefing._meta.concrete_fields
    if f.name not in {"id", "slug", "created_at", "updated_at", "version"} and not f.is_relation
}


@dataclass
class PreparedBriefing:
    """A briefing filled in from a document and validated, with its parts, not saved yet."""

    briefing: Briefing
    sections: list[Section]
    citations: list[Citation]
    created_taxonomy: list[str]


def briefing_prepare(
    *, document: BriefingDocument, existing: Briefing | None, lookups: ImportLookups, by=None
) -> PreparedBriefing:
    """
    The briefing a document describes (`existing` updated, or a new one), validated before
    anything is written; then its taxonomy terms, new ones not saved yet (the caller saves
    them with `lookups.write_terms()` before the briefing). A document that says it is
    published or scheduled, for a briefing not live yet, goes live through the editorial
    workflow, with its checks. Raises DocumentInvalid, or CannotGoLive when they fail.
    `by`, who imports, is recorded in the history of the briefing and its parts.
    """
    was_live = existing is not None and existing.status in Briefing.LIVE_STATUSES
    briefing = _briefing_from_document(document, existing)
    if by is not None:
        briefing._history_user = by
    try:
        # The terms come from the lookups, which found them or know them to be new: no
        # need to ask the database again whether they exist.
        briefing.full_clean(
            exclude=list(TAXONOMY_MODELS), validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        messages = "; ".join(
            f"{name}: {' '.join(errors)}" for name, errors in exc.message_dict.items()
        )
        raise DocumentInvalid(messages) from None
    sections = _sections(briefing, document)
    _assign_images(briefing, document)
    # An update of a briefing that is live already stays live as the file says: the checks
    # guard the step onto the site (a test pins that such an update may clear fields).
    if briefing.status in Briefing.LIVE_STATUSES and not was_live:
        _go_live(briefing, document, sections)
    created_taxonomy = _assign_terms(briefing, document, lookups)
    return PreparedBriefing(
        briefing, sections, _citations(briefing, document, lookups), created_taxonomy
    )


def _briefing_from_document(document: BriefingDocument, existing: Briefing | None) -> Briefing:
    given = {name: value for name, value in document.fields.items() if name in DOCUMENT_FIELDS}
    if existing is None:
        # The model fills in its defaults for what the document leaves out.
        return Briefing(slug=document.slug, **given)
    briefing = existing
    for name, model_field in DOCUMENT_FIELDS.items():
        if name in document.assumed and getattr(existing, name):
            continue  # the file did not say; what is stored stands
        setattr(briefing, name, given[name] if name in given else model_field.get_default())
    briefing.version = existing.version + 1
    return briefing


def _assign_terms(briefing: Briefing, document: BriefingDocument, lookups) -> list[str]:
    """Set the briefing's taxonomy; returns the terms this import creates, by name."""
    created_taxonomy = []
    for key, model in TAXONOMY_MODELS.items():
        name = getattr(document, key)
        term = None
        if name:
            term, created = lookups.term(model, name)
            if created:
                created_taxonomy.append(f"{model._meta.verbose_name} {name!r}")
        setattr(briefing, key, term)
    return created_taxonomy


def _assign_images(briefing: Briefing, document: BriefingDocument) -> None:
    """The lead and social images the file names (by slug); an unknown one fails the file."""
    found = {}
    if document.images:
        found = {i.slug: i for i in Image.objects.filter(slug__in=document.images.values())}
    for key in IMAGE_KEYS:
        slug = document.images.get(key, "")
        if slug and slug not in found:
            raise DocumentInvalid(f"{key}: {unknown_message([slug])}")
        setattr(briefing, key, found.get(slug))


def _sections(briefing: Briefing, document: BriefingDocument) -> list[Section]:
    """The sections, with the library images they place: an unknown one fails the file."""
    images = images_named(section.body for section in document.sections)
    for section in document.sections:
        unknown = unknown_references(section.body, images)
        if unknown:
            where = f"line {section.line}: " if section.line else ""
            raise DocumentInvalid(f"{where}{unknown_message(unknown)}")
    return [
        Section(
            briefing=briefing,
            position=position,
            heading=section.heading,
            body=section.body,
            body_html=section_html(section.body, images),
            audience=section.audience,
        )
        for position, section in enumerate(document.sections)
    ]


def _citations(briefing: Briefing, document: BriefingDocument, lookups) -> list[Citation]:
    return [
        Citation(
            briefing=briefing,
            source=lookups.source(cited),
            position=position,
            note=cited.note,
            note_html=render_markdown(cited.note),
        )
        for position, cited in enumerate(document.sources)
    ]


def _go_live(briefing: Briefing, document: BriefingDocument, sections: list[Section]) -> None:
    """
    Publish or schedule the briefing at the time the file gives, as the admin's Publish
    button would: the same workflow function, the same pre-publish checks, on the parts in
    memory. It runs before any term or source is looked up, so a file that fails leaves the
    import's lookups as they were, and nothing of it is written. The file's category and
    sources stand in for the ones the lookups will give: a matched source has the file's
    address, since sources are matched by it.
    """
    briefing.category = Category(name=document.category) if document.category else None
    citations = [
        Citation(source=Source(title=cited.title, url=cited.url), note=cited.note)
        for cited in document.sources
    ]
    said = briefing.status
    try:
        workflow.go_live(briefing, sections=sections, citations=citations, at=briefing.published_at)
    except ValidationError as exc:
        raise CannotGoLive(said, exc.messages) from None


def parts_write(*, prepared: list[PreparedBriefing], lookups: ImportLookups) -> None:
    """Save the sections and citations of saved briefings, and the sources they need."""
    new_sources = {
        id(c.source): c.source for p in prepared for c in p.citations if c.source.pk is None
    }
    Source.objects.bulk_create(new_sources.values())
    for source in lookups.filled:
        source.save(update_fields=["publisher", "published_on"])
    lookups.filled = []
    # Like bulk_create, this skips save(): the Markdown was rendered when they were prepared.
    insert_new(Section, [s for p in prepared for s in p.sections])
    insert_new(Citation, [c for p in prepared for c in p.citations])
    if prepared:
        user = history_user(prepared[0].briefing)
        briefing_ids = [p.briefing.pk for p in prepared]
        for model in (Section, Citation):
            rows = model.objects.filter(briefing_id__in=briefing_ids)
            creation_history_write(model, rows, user=user)


def save_document(*, document, update, lookups, by=None) -> SaveOutcome:
    """
    One document's briefing with its parts, inside the caller's transaction. Someone who
    may not publish (`by`) replaces only drafts and briefings in review.
    """
    slug = document.slug
    existing = Briefing.objects.filter(slug=slug).select_for_update().first()
    if existing is not None and not update:
        raise BriefingExists(slug)
    if (
        existing is not None
        and by is not None
        and existing.status not in workflow.WRITER_STATUSES
        and not workflow.can_publish(by)
    ):
        raise ReplaceRefused(existing)
    if by is not None and existing is not None and holds_as_changes(existing, document):
        return _save_as_pending_change(document=document, existing=existing, lookups=lookups, by=by)
    prepared = briefing_prepare(document=document, existing=existing, lookups=lookups, by=by)
    briefing = prepared.briefing
    lookups.write_terms()
    briefing.save()
    if existing is not None:
        briefing.sections.all().delete()
        briefing.citations.all().delete()
    parts_write(prepared=[prepared], lookups=lookups)
    return SaveOutcome(
        briefing=briefing, created=existing is None, created_taxonomy=prepared.created_taxonomy
    )


def holds_as_changes(existing: Briefing, document: BriefingDocument) -> bool:
    """
    Whether an upload from admin over `existing` becomes its pending change rather than
    its rows: it is live (published or scheduled) and the file says draft or review, so
    it asks for changes, not for what readers see to change now. A file that says
    published or scheduled replaces it live, as the editor who ticked "Replace" asked
    (writers' files say draft by then, and may not replace a live briefing at all).
    """
    return (
        existing.status in Briefing.LIVE_STATUSES
        and document.fields.get("status") in workflow.WRITER_STATUSES
    )


def _save_as_pending_change(*, document, existing, lookups, by) -> SaveOutcome:
    """
    Keep the document as `existing`'s changes waiting to be published, as the change form
    would (briefings.pending): the live rows, search, feeds and caches stay as they are.
    New taxonomy terms and sources are written, since the changes name them by id.
    """
    briefing = Briefing.objects.get(pk=existing.pk)  # changed in memory only
    prepared = briefing_prepare(document=document, existing=briefing, lookups=lookups, by=by)
    if "published_at" not in document.fields:
        briefing.published_at = existing.published_at  # a draft file's: the live time stands
    lookups.write_terms()
    new_sources = {id(c.source): c.source for c in prepared.citations if c.source.pk is None}
    Source.objects.bulk_create(new_sources.values())
    for citation in prepared.citations:
        citation.source_id = citation.source.pk
    data = pending_data.data_from(
        briefing, sections=prepared.sections, citations=prepared.citations
    )
    pending_change_save(briefing=existing, data=data, by=by)
    return SaveOutcome(
        briefing=existing,
        created=False,
        created_taxonomy=prepared.created_taxonomy,
        pending=True,
    )


@transaction.atomic
def briefing_save_from_document(
    *, document: BriefingDocument, update: bool = False, lookups: ImportLookups | None = None
) -> SaveOutcome:
    """
    Create the briefing a document describes, or with `update` replace an existing one
    with the same slug (fields, sections and citations). All or nothing.
    """
    lookups = lookups or ImportLookups()
    try:
        return save_document(document=document, update=update, lookups=lookups)
    except (BriefingExists, DocumentInvalid):
        raise  # raised before anything was written
    except BaseException:
        lookups.forget()
        raise


def briefings_create(*, prepared: list[PreparedBriefing], lookups: ImportLookups) -> None:
    """
    Save new briefings with their parts in a fixed number of statements, whatever their
    number, with the history record each save would have written. Call inside a transaction.
    """
    briefings = [p.briefing for p in prepared]
    lookups.write_terms()
    insert_new_numbered(Briefing, briefings)
    # The creation records bulk_history_create would write, in one INSERT ... SELECT:
    # building a historical instance of every briefing in Python took a tenth of a batch.
    if briefings:
        rows = Briefing.objects.filter(pk__in=[briefing.pk for briefing in briefings])
        creation_history_write(Briefing, rows, user=history_user(briefings[0]))
    parts_write(prepared=prepared, lookups=lookups)
    # bulk_create sends no post_save: tell the page cache, as saving one by one would.
    content_changed(sender=Briefing)


# Connections indexing an import's batches at once (besides the one writing them). Their
# batches hold different briefings, so they never wait for each other's rows.
REINDEX_CONNECTIONS = 2


class Reindexer:
    """
    Rebuilds the search documents of each batch an import saved. They are derived data
    (`manage.py reindex_search` repairs an interrupted run). On PostgreSQL, outside a
    caller's transaction, a batch is indexed on a connection of its own while the next
    batch is read: the database computes the search vectors as Python parses files. Up to
    REINDEX_CONNECTIONS batches are indexed at once: one batch's indexing took longer than
    reading the next, so the import waited on one database process while the other core
    had room. The last batch has nothing to overlap with, so it is split between a
    connection of its own and the caller's.
    Elsewhere everything is indexed at the end, on the caller's connection. Leaving the
    `with` block waits for the work, and raises what failed in it.
    """

    def __init__(self):
        self.background = connection.vendor == "postgresql" and not connection.in_atomic_block
        self.pending = []
        self.saved = []

    def __enter__(self):
        self.executor = ThreadPoolExecutor(max_workers=REINDEX_CONNECTIONS).__enter__()
        return self

    def batch_saved(self, briefing_ids: list, *, last: bool, written=None) -> None:
        """
        Index a saved batch. `written` holds, by id, the briefings of the batch still as
        they were written (briefing, sections, citations): their documents are built from
        those objects rather than read back (`briefings_index_written`).
        """
        written = written or {}
        if not self.background:
            self.saved.extend(briefing_ids)
        elif not last:
            self.pending.append(self.executor.submit(_reindex_apart, briefing_ids, written))
        else:
            half = len(briefing_ids) // 2
            later = briefing_ids[half:]
            self.pending.append(self.executor.submit(_reindex_apart, later, written))
            _index(briefing_ids[:half], written)

    def __exit__(self, exc_type, exc, traceback):
        try:
            if exc_type is None:
                for future in self.pending:
                    future.result()
        finally:
            self.executor.__exit__(exc_type, exc, traceback)
        if exc_type is None and not self.background:
            briefings_reindex(briefing_ids=self.saved)


def _reindex_apart(briefing_ids, written):
    try:
        _index(briefing_ids, written)
    finally:
        connection.close()  # this thread's own connection


def _index(briefing_ids, written) -> None:
    from_objects = [written[pk] for pk in briefing_ids if pk in written]
    briefings_index_written(from_objects)
    rest = [pk for pk in briefing_ids if pk not in written]
    if rest:
        briefings_reindex(briefing_ids=rest)
