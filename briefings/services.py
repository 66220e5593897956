"""Writes that span the briefings models: saving a whole briefing from a document and
importing folders of them. The editorial workflow is in `briefings.workflow`."""

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils.text import slugify

from briefings.caching import content_changed
from briefings.importing import (
    SUPPORTED_SUFFIXES,
    BriefingDocument,
    BriefingFileError,
    SourceDocument,
    parse_file,
)
from briefings.markdown import render_markdown
from briefings.models import Briefing, Category, Citation, Region, Section, Source, Topic
from briefings.search import briefings_reindex


class BriefingExists(Exception):
    """The document's slug is taken and the caller did not ask to update."""

    def __init__(self, slug):
        self.slug = slug
        super().__init__(f"a briefing with the slug {slug!r} already exists")


class DocumentInvalid(Exception):
    """The document parsed but does not make a valid briefing."""


@dataclass
class SaveOutcome:
    briefing: Briefing
    created: bool
    created_taxonomy: list[str] = field(default_factory=list)


TAXONOMY_MODELS = {"category": Category, "region": Region, "topic": Topic}

# Fields a document fully describes: an update resets the ones it leaves out.
DOCUMENT_FIELDS = {
    f.name: f
    for f in Briefing._meta.concrete_fields
    if f.name not in {"id", "slug", "created_at", "updated_at", "version"} and not f.is_relation
}

# An import reads this many files, looks up everything they name in a handful of queries
# and writes the new briefings among them together (see `briefings_import`).
IMPORT_BATCH_SIZE = 100
# At most this many names or addresses in one lookup query.
LOOKUP_BATCH_SIZE = 500


def taxonomy_get_or_create(*, model, name: str):
    """The term with this name (any letter case), created when missing."""
    term = model.objects.filter(name__iexact=name).first()
    if term is not None:
        return term, False
    slug = slugify(name)[:140] or "term"
    base, suffix = slug, 2
    while model.objects.filter(slug=slug).exists():
        slug = f"{base[:130]}-{suffix}"
        suffix += 1
    return model.objects.create(name=name, slug=slug), True


def taxonomy_free_slugs(*, model, names: list[str]) -> list[str]:
    """
    Slugs for new terms with these names, in order: the ones taxonomy_get_or_create would
    give them created one after another, found in a query or so rather than one per name.
    """
    bases = [slugify(name)[:140] or "term" for name in names]
    suffixes = [1] * len(names)

    def candidate(index):
        base, suffix = bases[index], suffixes[index]
        return base if suffix == 1 else f"{base[:130]}-{suffix}"

    stored = {}  # slug -> whether a stored term has it
    chosen = {}  # the slugs given so far, in order (a dict for fast membership)
    for index in range(len(names)):
        while True:
            slug = candidate(index)
            if slug not in chosen and slug not in stored:
                # Ask about this candidate and the later names' current ones at once.
                unknown = {candidate(i) for i in range(index, len(names))} - stored.keys()
                for batch in _batches(sorted(unknown)):
                    taken = set(model.objects.filter(slug__in=batch).values_list("slug", flat=True))
                    stored.update((each, each in taken) for each in batch)
            if slug in chosen or stored[slug]:
                suffixes[index] += 1
                continue
            chosen[slug] = None
            break
    return list(chosen)


def _batches(items, size=LOOKUP_BATCH_SIZE):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _any(conditions) -> Q:
    return reduce(or_, conditions)


def _source_key(cited: SourceDocument) -> tuple:
    """
    Sources are reusable: the same address (or, without one, the same title and publisher
    in any letter case) is the same source.
    """
    if cited.url:
        return ("url", cited.url)
    return ("title", cited.title.upper(), cited.publisher.upper())


class ImportLookups:
    """
    The taxonomy terms and sources an import has looked up or created, so that it asks the
    database once per batch of files rather than once per term and source of every file.

    After a write that rolled back, `forget()` drops everything: the cache never names a row
    that is not in the database. New terms are saved together before the briefings that
    name them (`write_terms`). A stored source whose blanks a document fills in is changed
    here at once and saved with that document's parts (`write_parts`).
    """

    def __init__(self):
        # Per model, upper-cased name -> the stored term, a new one not saved yet, or None:
        # known absent.
        self.terms = {model: {} for model in TAXONOMY_MODELS.values()}
        self.new_terms = {model: [] for model in TAXONOMY_MODELS.values()}
        # Source key -> the stored source, a new one not saved yet, or None: known absent.
        self.sources = {}
        self.filled = []

    def forget(self):
        self.__init__()

    def prefetch(self, documents: Iterable[BriefingDocument]) -> None:
        """Look up every term and source these documents name that is not known yet."""
        documents = list(documents)
        for key, model in TAXONOMY_MODELS.items():
            known = self.terms[model]
            names = {getattr(d, key) for d in documents} - {""}
            wanted = sorted(name for name in names if name.upper() not in known)
            for batch in _batches(wanted):
                keys = {name.upper() for name in batch}
                unmatched = False
                # Meta ordering (by name) first, as taxonomy_get_or_create's .first() picks.
                for term in model.objects.filter(_any(Q(name__iexact=n) for n in batch)):
                    known.setdefault(term.name.upper(), term)
                    unmatched = unmatched or term.name.upper() not in keys
                # As for sources below: only when Python could place every row it found.
                if not unmatched:
                    for key in keys:
                        known.setdefault(key, None)
        cited = [c for d in documents for c in d.sources if _source_key(c) not in self.sources]
        urls = sorted({c.url for c in cited if c.url})
        for batch in _batches(urls):
            for source in Source.objects.filter(url__in=batch).order_by("id"):
                self.sources.setdefault(("url", source.url), source)
            for url in batch:
                self.sources.setdefault(("url", url), None)
        pairs = sorted({(c.title, c.publisher) for c in cited if not c.url})
        for batch in _batches(pairs):
            wanted = {("title", title.upper(), publisher.upper()) for title, publisher in batch}
            rows = Source.objects.filter(url="").filter(
                _any(Q(title__iexact=t, publisher__iexact=p) for t, p in batch)
            )
            unmatched = False
            for source in rows.order_by("id"):
                key = ("title", source.title.upper(), source.publisher.upper())
                if key in wanted:
                    self.sources.setdefault(key, source)
                else:
                    unmatched = True
            # The database's idea of letter case can differ from Python's for a few
            # characters: when a row matched that Python cannot place, the names still
            # missing are looked up one by one later, as the database compares them.
            if not unmatched:
                for key in wanted:
                    self.sources.setdefault(key, None)

    def term(self, model, name: str):
        """
        The term with this name (any letter case) and whether this call made it: stored,
        or new and saved by the next `write_terms`.
        """
        known = self.terms[model]
        key = name.upper()
        if known.get(key) is not None:
            return known[key], False
        if key in known and name.isascii():
            # Known absent, and a name whose letter case every database compares as Python
            # does: new, saved with the others.
            known[key] = model(name=name)
            self.new_terms[model].append(known[key])
            return known[key], True
        # Not looked up, or a name the database may compare otherwise: ask it, as one by
        # one would, with the new terms before this one saved.
        self.write_terms()
        term, created = taxonomy_get_or_create(model=model, name=name)
        if created:
            # The database may find it for a name thought absent.
            self.terms[model] = known = {k: t for k, t in known.items() if t is not None}
        known[key] = term
        return term, created

    def write_terms(self) -> None:
        """Save the new terms: one statement per model, slugs as one by one."""
        for model, terms in self.new_terms.items():
            if terms:
                slugs = taxonomy_free_slugs(model=model, names=[term.name for term in terms])
                for term, slug in zip(terms, slugs, strict=True):
                    term.slug = slug
                model.objects.bulk_create(terms)
        self.new_terms = {model: [] for model in TAXONOMY_MODELS.values()}

    def source(self, cited: SourceDocument) -> Source:
        """
        The source a citation points at: stored, with any blanks filled in from the
        citation (nothing is overwritten), or new and not saved yet.
        """
        key = _source_key(cited)
        if key not in self.sources:
            if cited.url:
                found = Source.objects.filter(url=cited.url)
            else:
                found = Source.objects.filter(
                    title__iexact=cited.title, publisher__iexact=cited.publisher, url=""
                )
            self.sources[key] = found.order_by("id").first()
        source = self.sources[key]
        if source is None:
            source = self.sources[key] = Source(
                title=cited.title,
                publisher=cited.publisher,
                url=cited.url,
                published_on=cited.published_on,
            )
            return source
        for name in ("publisher", "published_on"):
            value = getattr(cited, name)
            if value and not getattr(source, name):
                setattr(source, name, value)
                if source.pk is not None and source not in self.filled:
                    self.filled.append(source)
        return source

    def write_parts(self, parts: Iterable["PreparedBriefing"]) -> None:
        """Save the sections and citations of saved briefings, and the sources they need."""
        parts = list(parts)
        new_sources = {
            id(c.source): c.source for p in parts for c in p.citations if c.source.pk is None
        }
        Source.objects.bulk_create(new_sources.values())
        for source in self.filled:
            source.save(update_fields=["publisher", "published_on"])
        self.filled = []
        # Like bulk_create, this skips save(): the Markdown was rendered when they were prepared.
        insert_new(Section, [s for p in parts for s in p.sections])
        insert_new(Citation, [c for p in parts for c in p.citations])


def insert_new(model, objs: list) -> None:
    """
    Write new rows whose primary keys nothing reads back (an import's sections and
    citations). On PostgreSQL through COPY, which took half the time of bulk_create's
    INSERT for them: the values go to the database as rows, not as one array per column.
    Like bulk_create it sends no signals and saves no history; unlike it, the objects do
    not learn their primary keys.
    """
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs)
        return
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for obj in objs:
            # As bulk_create does: the briefing saved since it was assigned gives its id.
            obj._prepare_related_fields_for_save(operation_name="insert_new")
            copy.write_row(
                [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
            )


@dataclass
class PreparedBriefing:
    """A briefing filled in from a document and validated, with its parts, not saved yet."""

    briefing: Briefing
    sections: list[Section]
    citations: list[Citation]
    created_taxonomy: list[str]


def briefing_prepare(
    *, document: BriefingDocument, existing: Briefing | None, lookups: ImportLookups
) -> PreparedBriefing:
    """
    The briefing a document describes (`existing` updated, or a new one), validated before
    anything is written; then its taxonomy terms, new ones not saved yet (the caller saves
    them with `lookups.write_terms()` before the briefing). Raises DocumentInvalid.
    """
    given = {name: value for name, value in document.fields.items() if name in DOCUMENT_FIELDS}
    if existing is None:
        # The model fills in its defaults for what the document leaves out.
        briefing = Briefing(slug=document.slug, **given)
    else:
        briefing = existing
        for name, model_field in DOCUMENT_FIELDS.items():
            if name in document.assumed and getattr(existing, name):
                continue  # the file did not say; what is stored stands
            setattr(briefing, name, given[name] if name in given else model_field.get_default())
        briefing.version = existing.version + 1
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

    created_taxonomy = []
    for key, model in TAXONOMY_MODELS.items():
        name = getattr(document, key)
        term = None
        if name:
            term, created = lookups.term(model, name)
            if created:
                created_taxonomy.append(f"{model._meta.verbose_name} {name!r}")
        setattr(briefing, key, term)

    sections = [
        Section(
            briefing=briefing,
            position=position,
            heading=section.heading,
            body=section.body,
            body_html=render_markdown(section.body),
            audience=section.audience,
        )
        for position, section in enumerate(document.sections)
    ]
    citations = [
        Citation(
            briefing=briefing,
            source=lookups.source(cited),
            position=position,
            note=cited.note,
            note_html=render_markdown(cited.note),
        )
        for position, cited in enumerate(document.sources)
    ]
    return PreparedBriefing(briefing, sections, citations, created_taxonomy)


def _save_document(*, document, update, lookups) -> SaveOutcome:
    slug = document.slug
    existing = Briefing.objects.filter(slug=slug).select_for_update().first()
    if existing is not None and not update:
        raise BriefingExists(slug)
    prepared = briefing_prepare(document=document, existing=existing, lookups=lookups)
    briefing = prepared.briefing
    lookups.write_terms()
    briefing.save()
    if existing is not None:
        briefing.sections.all().delete()
        briefing.citations.all().delete()
    lookups.write_parts([prepared])
    return SaveOutcome(
        briefing=briefing, created=existing is None, created_taxonomy=prepared.created_taxonomy
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
        return _save_document(document=document, update=update, lookups=lookups)
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
    Briefing.objects.bulk_create(briefings)
    Briefing.history.bulk_history_create(briefings, default_change_reason=None)
    lookups.write_parts(prepared)
    # bulk_create sends no post_save: tell the page cache, as saving one by one would.
    content_changed(sender=Briefing)


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


def briefing_files(paths) -> list[tuple[Path, bool]]:
    """
    The files to import, in a stable order: each named file, and the `.md` and `.txt`
    files inside each named folder. The flag says whether the file was named directly.
    """
    found = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(
                (child, False)
                for child in sorted(path.rglob("*"))
                if child.is_file() and child.suffix.lower() in SUPPORTED_SUFFIXES
            )
        else:
            found.append((path, True))
    return found


def briefings_import(*, paths, update: bool = False, on_created=None) -> ImportReport:
    """
    Import every briefing file under `paths`: a file is imported whole or not at all, and
    one bad file does not stop the others. `on_created(document, briefing)` runs inside
    the file's transaction after a create.
    """
    importer = _Importer(update=update, on_created=on_created)
    files = [path for path, _named in briefing_files(paths)]
    # Search documents are derived data, rebuilt set-based for each batch once it is saved
    # (`manage.py reindex_search` repairs an interrupted run). On PostgreSQL, outside a
    # caller's transaction, that happens on a connection of its own while the next batch
    # is read: the database computes the search vectors as Python parses files. The last
    # batch has nothing to overlap with, so it is split between both connections.
    background = connection.vendor == "postgresql" and not connection.in_atomic_block
    batches = list(_batches(files, IMPORT_BATCH_SIZE))
    with ThreadPoolExecutor(max_workers=1) as reindexer:
        pending = []
        for number, batch in enumerate(batches, start=1):
            done = len(importer.imported)
            importer.import_batch(batch)
            saved = importer.imported[done:]
            if not background:
                continue
            if number < len(batches):
                pending.append(reindexer.submit(_reindex_apart, saved))
            else:
                half = len(saved) // 2
                pending.append(reindexer.submit(_reindex_apart, saved[half:]))
                briefings_reindex(briefing_ids=saved[:half])
        for future in pending:
            future.result()
    if not background:
        briefings_reindex(briefing_ids=importer.imported)
    return importer.report


def _reindex_apart(briefing_ids):
    try:
        briefings_reindex(briefing_ids=briefing_ids)
    finally:
        connection.close()  # this thread's own connection


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
                outcome = _save_document(
                    document=document, update=self.update, lookups=self.lookups
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
        return self._done(path, document, outcome)
