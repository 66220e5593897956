"""Writes that span the briefings models: saving a whole briefing from a document."""

from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils.text import slugify

from briefings.importing import (
    SUPPORTED_SUFFIXES,
    BriefingDocument,
    BriefingFileError,
    parse_file,
)
from briefings.markdown import render_markdown
from briefings.models import Briefing, Category, Citation, Region, Section, Source, Topic


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
DOCUMENT_FIELDS = [
    f.name
    for f in Briefing._meta.concrete_fields
    if f.name not in {"id", "slug", "created_at", "updated_at", "version"} and not f.is_relation
]


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


def source_get_or_create(*, title, publisher="", url="", published_on=None) -> Source:
    """
    Sources are reusable: the same address (or, without one, the same title and publisher)
    is the same source. Blanks in a stored source are filled in, nothing is overwritten.
    """
    if url:
        source = Source.objects.filter(url=url).order_by("id").first()
    else:
        source = (
            Source.objects.filter(title__iexact=title, publisher__iexact=publisher, url="")
            .order_by("id")
            .first()
        )
    if source is None:
        return Source.objects.create(
            title=title, publisher=publisher, url=url, published_on=published_on
        )
    changed = False
    for name, value in (("publisher", publisher), ("published_on", published_on)):
        if value and not getattr(source, name):
            setattr(source, name, value)
            changed = True
    if changed:
        source.save()
    return source


@transaction.atomic
def briefing_save_from_document(*, document: BriefingDocument, update: bool = False) -> SaveOutcome:
    """
    Create the briefing a document describes, or with `update` replace an existing one
    with the same slug (fields, sections and citations). All or nothing.
    """
    slug = document.slug
    existing = Briefing.objects.filter(slug=slug).select_for_update().first()
    if existing is not None and not update:
        raise BriefingExists(slug)
    briefing = existing or Briefing(slug=slug)

    created_taxonomy = []
    for key, model in TAXONOMY_MODELS.items():
        name = getattr(document, key)
        term = None
        if name:
            term, created = taxonomy_get_or_create(model=model, name=name)
            if created:
                created_taxonomy.append(f"{model._meta.verbose_name} {name!r}")
        setattr(briefing, key, term)

    defaults = Briefing()
    for name in DOCUMENT_FIELDS:
        if existing is not None and name in document.assumed and getattr(existing, name):
            continue  # the file did not say; what is stored stands
        setattr(briefing, name, document.fields.get(name, getattr(defaults, name)))
    if existing is not None:
        briefing.version = existing.version + 1
    try:
        briefing.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        messages = "; ".join(
            f"{name}: {' '.join(errors)}" for name, errors in exc.message_dict.items()
        )
        raise DocumentInvalid(messages) from None
    briefing.save()

    if existing is not None:
        briefing.sections.all().delete()
        briefing.citations.all().delete()
    # bulk_create skips save(), so the Markdown is rendered here.
    Section.objects.bulk_create(
        Section(
            briefing=briefing,
            position=position,
            heading=section.heading,
            body=section.body,
            body_html=render_markdown(section.body),
            audience=section.audience,
        )
        for position, section in enumerate(document.sections)
    )
    Citation.objects.bulk_create(
        Citation(
            briefing=briefing,
            source=source_get_or_create(
                title=cited.title,
                publisher=cited.publisher,
                url=cited.url,
                published_on=cited.published_on,
            ),
            position=position,
            note=cited.note,
            note_html=render_markdown(cited.note),
        )
        for position, cited in enumerate(document.sources)
    )
    return SaveOutcome(
        briefing=briefing, created=existing is None, created_taxonomy=created_taxonomy
    )


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
    Import every briefing file under `paths`, each in its own transaction: a file is
    imported whole or not at all, and one bad file does not stop the others.
    `on_created(document, briefing)` runs inside the file's transaction after a create.
    """
    report = ImportReport()
    for path, _named in briefing_files(paths):
        if not path.exists():
            report.results.append(FileResult(str(path), "failed", "no such file or folder"))
            continue
        try:
            document = parse_file(path)
        except BriefingFileError as exc:
            report.results.append(FileResult(str(path), "failed", str(exc)))
            continue
        try:
            with transaction.atomic():
                outcome = briefing_save_from_document(document=document, update=update)
                if outcome.created and on_created is not None:
                    on_created(document, outcome.briefing)
        except BriefingExists as exc:
            report.results.append(
                FileResult(
                    str(path),
                    "skipped",
                    f"{exc}; nothing changed (use --update to replace it)",
                    slug=exc.slug,
                )
            )
            continue
        except (DocumentInvalid, DatabaseError) as exc:
            report.results.append(FileResult(str(path), "failed", f"{path}: {exc}"))
            continue
        report.results.append(
            FileResult(
                str(path),
                "created" if outcome.created else "updated",
                slug=outcome.briefing.slug,
                notices=document.notices,
                created_taxonomy=outcome.created_taxonomy,
            )
        )
    return report
