"""
What goes into each audience's search document.

A briefing's text is read in page order, each part tagged with the minimum audience that
may read it (members.access decides which documents hold it). The text every document
holds (most of a briefing) is kept apart, so PostgreSQL turns it into a vector once per
briefing rather than once per audience.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.db import connection

from briefings import caching
from briefings.models import Briefing, Citation, Section
from briefings.search import marks, postgres, simple
from briefings.search.text import clean_text, plain_text
from members import access
from members.access import Audience

BATCH_SIZE = 500

# Public fields of the briefing that join every audience's document (published reporting,
# the signal brief, the watch lists and the classification panel are public parts). The
# reporting comes before the sections and the rest after them, in reading order, so a
# snippet reads like the page.
LEAD_TEXT_FIELDS = ("reporting_summary", "key_points")
TRAILING_TEXT_FIELDS = (
    "signal",
    "signal_type",
    "market_class",
    "operating_surface",
    "market_context",
    "time_horizon",
    "watch_items",
    "signal_focus",
    "primary_domain",
    "category_rationale",
    "region_rationale",
    "signal_focus_rationale",
    "content_type_rationale",
    "primary_domain_rationale",
    "topic_rationale",
    "impact_rationale",
    "confidence_rationale",
    "authors",
)


# The search documents holding a part, by its minimum audience (members.access decides).
_HOLDING = {required: access.search_documents_holding(required) for required in Audience}


def briefings_reindex(*, briefing_ids: Iterable[int] | None = None) -> int:
    """
    Rebuild the search documents of the given briefings (all when None), set-based: a
    fixed handful of queries per batch of briefings, whatever their size. Returns how
    many briefings were indexed.
    """
    if briefing_ids is None:
        ids = list(Briefing.objects.order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted(set(briefing_ids))
    for start in range(0, len(ids), BATCH_SIZE):
        _reindex_batch(ids[start : start + BATCH_SIZE])
    return len(ids)


def briefings_reindex_all() -> int:
    """Rebuild every briefing's search documents (`manage.py reindex_search`)."""
    return briefings_reindex()


def briefing_reindex(*, briefing: Briefing) -> None:
    """Rebuild one briefing's search documents, after its fields, sections or citations change."""
    briefings_reindex(briefing_ids=[briefing.pk])


def briefings_index_written(written: Iterable[tuple]) -> None:
    """
    Build the search documents of briefings just written, from the objects written:
    (briefing with its taxonomy terms, its sections, its citations with their sources),
    each in order. The same documents as `briefings_reindex` reads back from the database
    (an import's tests compare them), without reading a batch back: an import writes them
    this way.
    """
    briefings, sections, citations = [], {}, {}
    for briefing, briefing_sections, briefing_citations in written:
        briefings.append(briefing)
        sections[briefing.pk] = [
            (s.audience, clean_text(s.heading), plain_text(s.body_html)) for s in briefing_sections
        ]
        citations[briefing.pk] = [
            (
                clean_text(c.source.title),
                clean_text(c.source.publisher),
                plain_text(c.note_html),
                c.note != "",
            )
            for c in briefing_citations
        ]
    if briefings:
        _write(briefings, sections, citations)


def _reindex_batch(ids: list[int]) -> None:
    briefings = list(Briefing.objects.filter(pk__in=ids).with_taxonomy())
    _write(briefings, _sections(ids), _citations(ids))


def _write(briefings: list[Briefing], sections: dict, citations: dict) -> None:
    # Plain rows: per briefing, the text every audience may read (briefing id, title,
    # summary, body); per document, (briefing id, audience, title, summary, body, the
    # part of the body that not every audience may read, live from, the audiences of its
    # sections as bits, whether a citation has a note).
    shared, documents = [], []
    for briefing in briefings:
        briefing_sections, briefing_citations = sections[briefing.pk], citations[briefing.pk]
        parts = _parts(briefing, briefing_sections, briefing_citations)
        gated = (
            marks.audiences_bits(audience for audience, *_ in briefing_sections),
            any(has_note for *_, has_note in briefing_citations),
        )
        briefing_shared, briefing_documents = _rows(briefing, parts, gated)
        shared.append(briefing_shared)
        documents += briefing_documents
    if connection.vendor == "postgresql":
        changed = postgres.documents_save(shared, documents)
    else:
        changed = simple.documents_save(documents)
    # Search results are kept per content generation (briefings.caching): documents that
    # changed find other briefings, so they raise it, now and when they commit, as an edit
    # does. Rebuilding documents to the same text (a pending change imported over a live
    # briefing) leaves every cached page as it is.
    if changed:
        caching.content_changed()


def _sections(ids: list[int]) -> dict[int, list[tuple]]:
    """(audience, heading, body) of each briefing's sections, in order."""
    sections = defaultdict(list)
    for briefing_id, audience, heading, body_html in (
        Section.objects.filter(briefing_id__in=ids)
        .order_by("briefing_id", "position", "id")
        .values_list("briefing_id", "audience", "heading", "body_html")
    ):
        sections[briefing_id].append((audience, clean_text(heading), plain_text(body_html)))
    return sections


def _citations(ids: list[int]) -> dict[int, list[tuple]]:
    """(source title, publisher, note, whether it has a note) of each briefing's citations."""
    citations = defaultdict(list)
    for briefing_id, title, publisher, note, note_html in (
        Citation.objects.filter(briefing_id__in=ids)
        .order_by("briefing_id", "position", "id")
        .values_list("briefing_id", "source__title", "source__publisher", "note", "note_html")
    ):
        citations[briefing_id].append(
            (clean_text(title), clean_text(publisher), plain_text(note_html), note != "")
        )
    return citations


def _parts(briefing: Briefing, sections: list[tuple], citations: list[tuple]) -> list[tuple]:
    """The briefing's text in reading order, each part with the minimum audience to read it."""
    public, notes = Audience.PUBLIC, access.SOURCE_NOTE_AUDIENCE
    parts = [(public, clean_text(getattr(briefing, name))) for name in LEAD_TEXT_FIELDS]
    for part_audience, heading, body in sections:
        parts += [(part_audience, heading), (part_audience, body)]
    for source_title, publisher, note, _ in citations:
        parts += [(public, source_title), (public, publisher), (notes, note)]
    trailing = [getattr(briefing, name) for name in TRAILING_TEXT_FIELDS]
    trailing += [term.name for term in (briefing.category, briefing.region, briefing.topic) if term]
    parts += [(public, clean_text(part)) for part in trailing]
    return parts


def _rows(briefing: Briefing, parts: list[tuple], gated: tuple) -> tuple[tuple, list[tuple]]:
    """The briefing's shared row and one row per search document (see `_reindex_batch`)."""
    holding = {required: _HOLDING[required] for required, _ in parts}
    everywhere = access.SEARCH_DOCUMENT_AUDIENCES
    common = {required for required, documents in holding.items() if documents == everywhere}
    common_body = "\n".join(text for required, text in parts if text and required in common)
    title, summary = clean_text(briefing.title), clean_text(briefing.summary)
    documents = []
    for audience in everywhere:
        readable = [(required, text) for required, text in parts if audience in holding[required]]
        body = "\n".join(text for _, text in readable if text)
        extra = "\n".join(text for required, text in readable if text and required not in common)
        documents.append(
            (briefing.pk, audience, title, summary, body, extra, briefing.live_from, *gated)
        )
    return (briefing.pk, title, summary, common_body), documents
