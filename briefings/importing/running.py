"""
An import run: the files under the given paths, batch by batch, each file imported whole
or not at all, with a report that says what happened to every file and why.
"""

from dataclasses import dataclass, field
from pathlib import Path

from django.db import DatabaseError, transaction

from briefings.importing.documents import BriefingFileError
from briefings.importing.files import briefing_files, parse_file
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


@dataclass
class ImportReport:
    results: list[FileResult] = field(default_factory=list)

    def by_outcome(self, outcome: str) -> list[FileResult]:
        return [result for result in self.results if result.outcome == outcome]

    @property
    def created_taxonomy(self) -> list[str]:
        return [name for result in self.results for name in result.created_taxonomy]


def briefings_import(*, paths, update: bool = False, on_created=None) -> ImportReport:
    """
    Import every briefing file under `paths`: a file is imported whole or not at all, and
    one bad file does not stop the others. `on_created(document, briefing)` runs inside
    the file's transaction after a create.
    """
    importer = _Importer(update=update, on_created=on_created)
    files = [path for path, _named in briefing_files(paths)]
    groups = list(batches(files, IMPORT_BATCH_SIZE))
    with Reindexer() as reindexer:
        for number, group in enumerate(groups, start=1):
            done = len(importer.imported)
            importer.import_batch(group)
            reindexer.batch_saved(importer.imported[done:], last=number == len(groups))
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

    def __init__(self, *, update, on_created):
        self.update = update
        self.on_created = on_created
        self.lookups = ImportLookups()
        self.report = ImportReport()
        self.imported = []

    def import_batch(self, paths: list[Path]) -> None:
        results = {}
        documents = {}
        for index, path in enumerate(paths):
            if not path.exists():
                results[index] = FileResult(str(path), "failed", "no such file or folder")
                continue
            try:
                documents[index] = parse_file(path)
            except BriefingFileError as exc:
                results[index] = FileResult(str(path), "failed", str(exc))
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

    def _skipped(self, path, slug) -> FileResult:
        return FileResult(
            str(path),
            "skipped",
            f"{BriefingExists(slug)}; nothing changed (use --update to replace it)",
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
                            document=document, existing=None, lookups=self.lookups
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

    def _import_one(self, path, document) -> FileResult:
        """One file in its own transaction."""
        try:
            with transaction.atomic():
                outcome = save_document(document=document, update=self.update, lookups=self.lookups)
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
        return self._done(path, document, outcome)
