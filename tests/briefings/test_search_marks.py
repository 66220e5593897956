"""
Which gated parts a search result says its briefing has, read from the search document
it was found in (SearchDocument.section_audiences, has_source_notes), held to what the
cards read from the sections and citations themselves: for every audience, after edits
that change no searchable word, and as the migration fills in documents written before.
"""

from importlib import import_module

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from briefings import search
from briefings.models import Briefing, SearchDocument
from briefings.search import briefings_reindex
from members.access import SOURCE_NOTE_AUDIENCE, Audience
from tests.factories import BriefingFactory, CitationFactory, SectionFactory

pytestmark = pytest.mark.django_db

PUBLIC, CIRCLE, ALLIANCE = Audience.PUBLIC, Audience.STRATEGIC_CIRCLE, Audience.LEADERSHIP_ALLIANCE

# Briefings by name: the audiences of their sections, their citations' notes, and the
# gated audiences their markers name.
SHAPES = {
    "open": ([PUBLIC, PUBLIC], ["", ""], set()),
    "circle": ([PUBLIC, CIRCLE], [], {CIRCLE}),
    "alliance": ([ALLIANCE], [""], {ALLIANCE}),
    "both tiers": ([CIRCLE, PUBLIC, ALLIANCE], ["Why it matters."], {CIRCLE, ALLIANCE}),
    "noted": ([PUBLIC], ["", "A source note."], {SOURCE_NOTE_AUDIENCE}),
}


def build() -> dict[str, Briefing]:
    briefings = {}
    for name, (audiences, notes, _) in SHAPES.items():
        briefing = BriefingFactory(title=f"Quay {name}")
        for audience in audiences:
            SectionFactory(briefing=briefing, body="Quay text.", audience=audience)
        for note in notes:
            CitationFactory(briefing=briefing, note=note)
        briefings[name] = briefing
    briefings_reindex()
    return briefings


def found(audience, text="quay") -> dict[int, set]:
    """The gated audiences each result names, for a reader of `audience`."""
    queryset = Briefing.objects.published().for_search_results()
    matches = search.briefings_matching(queryset, text=text, audience=audience, narrowed=False)
    return {result.pk: result.gated_audiences() for result in matches[0:50]}


def on_cards() -> dict[int, set]:
    """The gated audiences the cards name, read from the sections and citations."""
    return {b.pk: b.gated_audiences() for b in Briefing.objects.published().with_gated_parts()}


def test_every_reader_sees_the_markers_the_cards_show():
    briefings = build()
    expected = {briefings[name].pk: gated for name, (*_, gated) in SHAPES.items()}
    assert on_cards() == expected
    for audience in Audience:
        assert found(audience) == expected, audience
    # A briefing without gated parts names none, to every reader.
    assert all(found(audience)[briefings["open"].pk] == set() for audience in Audience)


def test_markers_follow_edits_that_change_no_searchable_word():
    briefings = build()
    open_briefing, noted = briefings["open"], briefings["noted"]
    # A section without text moved to the Alliance, and a note taken away: every search
    # document's text stays as it was.
    empty = SectionFactory(briefing=open_briefing, heading="", body="", audience=PUBLIC)
    briefings_reindex(briefing_ids=[open_briefing.pk])
    empty.audience = ALLIANCE
    empty.save()
    noted.citations.exclude(note="").update(note="")
    briefings_reindex(briefing_ids=[open_briefing.pk, noted.pk])
    for audience in Audience:
        markers = found(audience)
        assert markers[open_briefing.pk] == {ALLIANCE}, audience
        assert markers[noted.pk] == set(), audience
    assert found(PUBLIC) == on_cards()


def test_the_migration_fills_in_what_the_documents_are_written_with():
    build()
    written = set(
        SearchDocument.objects.values_list(
            "briefing_id", "audience", "section_audiences", "has_source_notes"
        )
    )
    assert {marks for *_, marks in written} == {True, False}
    SearchDocument.objects.update(section_audiences=0, has_source_notes=False)
    fill = import_module("briefings.migrations.0022_search_document_marks").FILL_SQL
    with connection.cursor() as cursor:
        cursor.execute(fill)
    filled = SearchDocument.objects.values_list(
        "briefing_id", "audience", "section_audiences", "has_source_notes"
    )
    assert set(filled) == written


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL page statement")
def test_a_page_of_results_reads_no_section_or_citation():
    build()
    with CaptureQueriesContext(connection) as queries:
        assert len(found(PUBLIC)) == len(SHAPES)
    read = " ".join(query["sql"] for query in queries.captured_queries)
    assert "briefings_searchdocument" in read
    assert "briefings_section" not in read
    assert "briefings_citation" not in read
