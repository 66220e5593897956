"""
A pending change's data, and the unsaved briefing, sections and citations it stands for.

The data is what the change form would have written, as JSON: `fields` (each editable
field of the briefing, foreign keys by id), and `sections` and `citations` (every part
the briefing would have, in order, with the id of the live part it replaces or None for
a new one). Positions are settled when the data is made, by the form's rule: a part left
without one goes after the others. Publishing, previewing and comparing all start from
`PendingBriefing`, so what an editor checks is what gets published.
"""

from dataclasses import dataclass, field

from briefings import revisions
from briefings.images.references import images_named, section_html
from briefings.markdown import render_markdown
from briefings.models import (
    Briefing,
    Citation,
    Section,
    Source,
    gated_annotation,
)
from briefings.outline import gated_outline_annotations
from members import access

# Everything the change form edits: the content, the address and the publish time.
FIELDS = [*revisions.CONTENT_FIELDS, "slug", "published_at"]
SECTION_KEYS = ["id", "position", "heading", "audience", "body"]
CITATION_KEYS = ["id", "position", "source_id", "note"]


def _settled(parts) -> list:
    """The parts in page order, each with a position: those without one go last."""
    given = [p.position for p in parts if p.position is not None]
    next_position = max(given, default=0) + 1
    for part in parts:
        if part.position is None:
            part.position = next_position
            next_position += 1
    return sorted(parts, key=lambda p: p.position)


def data_from(briefing: Briefing, *, sections, citations) -> dict:
    """The pending data for `briefing` (holding the form's values) with these parts."""
    values = {}
    for name in FIELDS:
        model_field = Briefing._meta.get_field(name)
        values[model_field.attname] = model_field.value_from_object(briefing)
    return {
        "fields": values,
        "sections": [
            {key: getattr(s, key) for key in SECTION_KEYS} for s in _settled(list(sections))
        ],
        "citations": [
            {key: getattr(c, key) for key in CITATION_KEYS} for c in _settled(list(citations))
        ],
    }


def fields_applied(briefing: Briefing, data: dict) -> list[str]:
    """Set the pending fields on `briefing`; warns about taxonomy deleted since."""
    warnings = []
    values = data["fields"]
    for name in FIELDS:
        model_field = Briefing._meta.get_field(name)
        value = model_field.to_python(values.get(model_field.attname))
        model = revisions.FOREIGN_KEYS.get(name)
        if model is not None and value is not None and not model.objects.filter(pk=value).exists():
            warnings.append(
                f"The {name.replace('_', ' ')} chosen in the changes has been deleted; "
                "it is now empty."
            )
            value = None
        setattr(briefing, model_field.attname, value)
    return warnings


def form_initial(data: dict) -> dict:
    """The change form's initial values for the pending fields (foreign keys by id)."""
    values = data["fields"]
    return {
        name: Briefing._meta.get_field(name).to_python(
            values.get(Briefing._meta.get_field(name).attname)
        )
        for name in FIELDS
    }


def sections_of(data: dict, briefing: Briefing) -> list[Section]:
    sections = []
    images = images_named(row["body"] for row in data["sections"])
    for row in data["sections"]:
        section = Section(briefing=briefing, **row)
        section.body_html = section_html(section.body, images)
        sections.append(section)
    return sections


def citations_of(data: dict, briefing: Briefing) -> tuple[list[Citation], list[str]]:
    """The citations with their sources, but for those of a source deleted since."""
    rows = data["citations"]
    sources = Source.objects.in_bulk([row["source_id"] for row in rows])
    citations, warnings = [], []
    for row in rows:
        source = sources.get(row["source_id"])
        if source is None:
            warnings.append(
                "A source cited in the changes has been deleted: that citation is left out."
            )
            continue
        citation = Citation(briefing=briefing, **row)
        citation.source = source
        citation.note_html = render_markdown(citation.note)
        citations.append(citation)
    return citations, warnings


@dataclass
class PendingBriefing:
    """The briefing as its pending change would make it, unsaved."""

    briefing: Briefing
    sections: list[Section]
    citations: list[Citation]
    warnings: list[str] = field(default_factory=list)


def pending_briefing(briefing: Briefing, data: dict) -> PendingBriefing:
    """`briefing` (a fresh instance, changed in place) with the pending data applied."""
    warnings = fields_applied(briefing, data)
    citations, more = citations_of(data, briefing)
    return PendingBriefing(briefing, sections_of(data, briefing), citations, warnings + more)


# --- Comparing, previewing and opening the form -----------------------------------------


def live_snapshot(briefing: Briefing) -> revisions.Snapshot:
    """What readers see now, shaped as a version for `revisions.compare`."""
    return revisions.Snapshot(
        record=briefing,
        sections=list(briefing.sections.all()),
        citations=list(briefing.citations.all()),
    )


def comparison(briefing: Briefing, data: dict) -> revisions.Comparison:
    """What publishing the pending data would change, field by field and part by part."""
    live = Briefing.objects.get(pk=briefing.pk)
    pending = pending_briefing(Briefing.objects.get(pk=briefing.pk), data)
    return revisions.compare(
        live_snapshot(live),
        revisions.Snapshot(
            record=pending.briefing, sections=pending.sections, citations=pending.citations
        ),
    )


def _prefilled(briefing: Briefing, name: str, rows: list) -> None:
    """Make `briefing.<name>.all()` answer `rows`, as a prefetch would."""
    queryset = getattr(briefing, name).none()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    briefing._prefetched_objects_cache[name] = queryset


def reader_copy(briefing: Briefing, data: dict, *, audience) -> Briefing:
    """
    `briefing`, fetched by `reading.reader_briefing_queryset`, changed in place to hold
    the pending data as a reader with `audience` would receive it: only the sections that
    audience may read, and the annotations lock cards are worked out from.
    """
    pending = pending_briefing(briefing, data)
    for tier in access.TIERS:
        setattr(briefing, gated_annotation(tier), any(s.audience == tier for s in pending.sections))
        at_tier = [s for s in pending.sections if s.audience == tier]
        count_name, length_name = gated_outline_annotations(tier)
        setattr(briefing, count_name, len(at_tier))
        setattr(briefing, length_name, sum(len(s.body or "") for s in at_tier))
    briefing.has_source_notes = any(c.note for c in pending.citations)
    if not hasattr(briefing, "_prefetched_objects_cache"):
        briefing._prefetched_objects_cache = {}
    readable = [s for s in pending.sections if access.can_read(audience, s.audience)]
    _prefilled(briefing, "sections", readable)
    _prefilled(briefing, "citations", pending.citations)
    return briefing


def form_rows(data: dict, model, briefing: Briefing) -> tuple[list, list[dict]]:
    """
    The change form's rows for the pending parts of `model` (Section or Citation): the
    live parts it keeps, holding their pending values, and the initial values of the new
    ones (and of any whose live part has gone since).
    """
    key = "sections" if model is Section else "citations"
    rows = data[key]
    queryset = model.objects.filter(briefing=briefing)
    if model is Citation:
        queryset = queryset.select_related("source")
    live = queryset.in_bulk([row["id"] for row in rows if row["id"]])
    kept, new = [], []
    for row in rows:
        part = live.get(row["id"])
        values = {k: v for k, v in row.items() if k != "id"}
        if part is None:
            new.append({k.removesuffix("_id"): v for k, v in values.items()})
            continue
        for name, value in values.items():
            setattr(part, name, value)
        kept.append(part)
    return kept, new
