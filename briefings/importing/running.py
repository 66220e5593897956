"""
An import run: the files under the given paths, batch by batch, each file imported whole
or not at all, with a report that says what happened to every file and why.
"""

from dataclasses import dataclass, field
from pathlib import Path

from django.db import DatabaseError, transaction

from briefings import workflow
from briefings.importing.documents import BriefingDocument, BriefingFileError
from briefings.importing.files import (
    FileInMemory,
    briefing_files,
    parse_file,
    parse_file_in_memory,
)
from briefings.importing.lookups import ImportLookups
from briefings.importing.writing import (
    BriefingExists,
    DocumentInvalid,
    Reindexer,
    SaveOutcome,
    briefing_prepare,
    briefings_create,
    save_document,
)
from briefings.models import Briefing
from briefings.services import batches

# An import reads this many files, looks up everything they name in a handful of queries
# and writes the new briefings among them together (see `briefings_import`).
IMPORT_BATCH_SIZE = 100


@dataclass
class FileResult:
    path: str
    outcome: str  # created | updated | skipped | failed
    message: str = ""
    slug: str = ""
    notices: list[str] = field(default_factory=list)
    created_taxonomy: list[str] = field(default_factory=list)
    # Updated as a live briefing's changes waiting to be published, not its live rows.
    pending: bool = False


@dataclass
class ImportReport:
    results: list[FileResult] = field(default_factory=list)

    def by_outcome(self, outcome: str) -> list[FileResult]:
        return [result for result in self.results if result.outcome == outcome]

    @property
    def created_taxonomy(self) -> list[str]:
        return [name for result in self.results for name in result.created_taxonomy]

    def lines(self) -> list["ReportLine"]:
        """The report as the command prints it and the admin shows it, a line a file."""
        return [ReportLine.of(result) for result in self.results]

    def summary(self) -> str:
        counts = ", ".join(
            f"{len(self.by_outcome(outcome))} {outcome}"
            for outcome in ("created", "updated", "skipped", "failed")
        )
        return f"Import finished: {counts}."


@dataclass(frozen=True)
class ReportLine:
    outcome: str
    text: str
    notes: tuple[str, ...] = ()

    @classmethod
    def of(cls, result: FileResult) -> "ReportLine":
        if result.outcome in {"created", "updated"}:
            notes = [f"note: {notice}" for notice in result.notices]
            notes += [f"new {term}" for term in result.created_taxonomy]
            text = f"{result.outcome}: {result.slug} ({result.path})"
            if result.pending:
                text = f"changes waiting to be published: {result.slug} ({result.path})"
                notes.insert(0, PENDING_NOTE)
            return cls(result.outcome, text, tuple(notes))
        if result.outcome == "skipped":
            return cls("skipped", f"skipped: {result.path}: {result.message}")
        return cls("failed", f"failed: {result.message}")


# How the report tells the importer to replace a briefing that exists (the command's way).
REPLACE_HINT = "use --update to replace it"
# The report's note on a file kept as a live briefing's changes (writing.holds_as_changes).
PENDING_NOTE = (
    "note: it is live and the file says draft or review, so readers still see the published "
    "version: publish or discard the changes from the briefing's page"
)
# The report's note on a file imported as a draft because its uploader may not publish.
DRAFT_NOTICE = "imported as a draft: only editors can publish (the file says {status})"


def briefings_import(
    *,
    paths=(),
    files=(),
    update: bool = False,
    on_created=None,
    by=None,
    replace_hint: str = REPLACE_HINT,
) -> ImportReport:
    """
    Import every briefing file under `paths`, then `files` (each a FileInMemory, or a
    FileResult decided before, reported in its place): a file is imported whole or not
    at all, and one bad file does not stop the others. `on_created(document, briefing)`
    runs inside the file's transaction after a create.

    `by` is who imports (an admin upload; the command has no one). It is recorded in the
    history; unless they may publish, every file is imported as a draft or in review,
    whatever it says, and a briefing past the writers' stage is not replaced.
    `replace_hint` says how to replace a briefing that exists, in the report.
    """
    importer = _Importer(update=update, on_created=on_created, by=by, replace_hint=replace_hint)
    items = [path for path, _named in briefing_files(paths)] + list(files)
    groups = list(batches(items, IMPORT_BATCH_SIZE))
    with Reindexer() as reindexer:
        for number, group in enumerate(groups, start=1):
            done = len(importer.imported)
            importer.import_batch(group)
            written, importer.written = importer.written, {}
            reindexer.batch_saved(
                importer.imported[done:], written=written, last=number == len(groups)
            )
    return importer.report


class _Importer:
    """
    Imports a run's files batch by batch, with results in file order. A batch's files are
    parsed, then everything they name (taxonomy, sources, existing slugs) is looked up at
    once. New briefings are written together in one transaction; if that fails, each of
    them is written again in its own, so a file still fails or succeeds alone. A file
    that replaces or meets a stored briefing, or that load_demo follows up, is written in
    its own transaction after the new ones before it, as a one-by-one import would.
    """

    def __init__(self, *, update, on_created, by=None, replace_hint=REPLACE_HINT):
        self.update = update
        self.replace_hint = replace_hint
        self.on_created = on_created
        self.by = by
        self.may_publish = by is None or workflow.can_publish(by)
        self.lookups = ImportLookups()
        self.report = ImportReport()
        self.imported = []
        # The batch's new briefings as written, by id, for their search documents.
        self.written = {}

    def import_batch(self, items: list) -> None:
        results = {}
        documents = {}
        paths = [item.name if isinstance(item, FileInMemory) else str(item) for item in items]
        for index, item in enumerate(items):
            read = self._read(item)
            if isinstance(read, FileResult):
                results[index] = read
            else:
                documents[index] = read
        self.lookups.prefetch(documents.values())
        slugs = {index: document.slug for index, document in documents.items()}
        stored = set(
            Briefing.objects.filter(slug__in=set(slugs.values()) - {""}).values_list(
                "slug", flat=True
            )
        )

        new = {}  # slug -> index, in file order
        for index, document in documents.items():
            slug = slugs[index]
            if slug in stored and not self.update:
                results[index] = self._skipped(paths[index], slug)
            elif slug and slug not in stored and slug not in new and self.on_created is None:
                new[slug] = index
            else:
                # Whatever depends on the briefings before it waits until they are written.
                self._create(new, paths, documents, results)
                new = {}
                results[index] = self._import_one(paths[index], document)
                if results[index].outcome in {"created", "updated"}:
                    stored.add(results[index].slug)
        self._create(new, paths, documents, results)
        self.report.results.extend(results[index] for index in sorted(results))

    def _read(self, item) -> BriefingDocument | FileResult:
        """A file's document, or the result it already has (unreadable, decided before)."""
        if isinstance(item, FileResult):
            return item
        try:
            if isinstance(item, FileInMemory):
                document = parse_file_in_memory(item)
            elif not Path(item).exists():
                return FileResult(str(item), "failed", "no such file or folder")
            else:
                document = parse_file(item)
        except BriefingFileError as exc:
            return FileResult(exc.path, "failed", str(exc))
        status = document.fields.get("status")
        if not self.may_publish and status not in workflow.WRITER_STATUSES:
            document.as_draft(DRAFT_NOTICE.format(status=status))
        return document

    def _skipped(self, path, slug) -> FileResult:
        return FileResult(
            str(path),
            "skipped",
            f"{BriefingExists(slug)}; nothing changed ({self.replace_hint})",
            slug=slug,
        )

    def _done(self, path, document, outcome: SaveOutcome) -> FileResult:
        self.imported.append(outcome.briefing.pk)
        return FileResult(
            str(path),
            "created" if outcome.created else "updated",
            slug=outcome.briefing.slug,
            notices=document.notices,
            created_taxonomy=outcome.created_taxonomy,
            pending=outcome.pending,
        )

    def _create(self, new, paths, documents, results) -> None:
        """New briefings, together; one by one if writing them together fails."""
        items = [(index, paths[index], documents[index]) for index in new.values()]
        if not items:
            return
        prepared = []
        try:
            with transaction.atomic():
                for index, path, document in items:
                    try:
                        ready = briefing_prepare(
                            document=document, existing=None, lookups=self.lookups, by=self.by
                        )
                    except DocumentInvalid as exc:
                        results[index] = FileResult(str(path), "failed", f"{path}: {exc}")
                        continue
                    prepared.append((index, path, document, ready))
                briefings_create(prepared=[ready for *_, ready in prepared], lookups=self.lookups)
        except DatabaseError:
            self.lookups.forget()
            for index, path, document in items:
                results[index] = self._import_one(path, document)
            return
        for index, path, document, ready in prepared:
            outcome = SaveOutcome(
                ready.briefing, created=True, created_taxonomy=ready.created_taxonomy
            )
            results[index] = self._done(path, document, outcome)
            self.written[ready.briefing.pk] = (ready.briefing, ready.sections, ready.citations)

    def _import_one(self, path, document) -> FileResult:
        """One file in its own transaction."""
        try:
            with transaction.atomic():
                outcome = save_document(
                    document=document, update=self.update, lookups=self.lookups, by=self.by
                )
                if outcome.created and self.on_created is not None:
                    self.on_created(document, outcome.briefing)
        except BriefingExists as exc:
            return self._skipped(path, exc.slug)
        except DocumentInvalid as exc:
            return FileResult(str(path), "failed", f"{path}: {exc}")
        except DatabaseError as exc:
            self.lookups.forget()
            return FileResult(str(path), "failed", f"{path}: {exc}")
        except BaseException:
            self.lookups.forget()
            raise
        self.written.pop(outcome.briefing.pk, None)  # replaced since: read it back
        return self._done(path, document, outcome)
