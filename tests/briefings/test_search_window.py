"""
A search without filters or a quoted phrase finds its newest matches window by window
(briefings.search.window): held against the plain statement that defines them, on an
archive whose newest documents mostly hold the word left out, so the narrow windows hold
too few matches and a window's edge falls between briefings published at the same moment.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from briefings import search
from briefings.models import Briefing
from briefings.search import briefings_reindex, window
from members.access import Audience, search_document_audience
from tests.briefings.test_search_results import reference
from tests.factories import BriefingFactory, SectionFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search"),
]

QUERIES = [
    "subsea -fibre",
    'subsea -"fibre cable"',
    "cable -subsea",
    "-fibre",
    "subsea fibre",
    "fibre OR landing",
    "pairs",
    "subsea",
]
# No GIN scan narrows a query with no word a document must hold: it is walked.
WALKED = {"-fibre"}


def build_archive():
    now = timezone.now()
    for index in range(40):
        fibre = index < 12 or index % 3 == 0
        briefing = BriefingFactory(
            title=f"Subsea route {index}",
            summary="Cable landing." if index % 2 else "Subsea works.",
            # Two briefings at each moment: window edges fall between equals.
            published_at=now - timedelta(minutes=index // 2),
        )
        body = "The subsea fibre cable lands." if fibre else "The subsea cable lands."
        SectionFactory(briefing=briefing, body=body, audience=Audience.PUBLIC)
        if index % 4 == 1:
            # Members read fibre here: their document leaves it out, the public's does not.
            SectionFactory(
                briefing=briefing,
                body="Fibre pairs for members.",
                audience=Audience.STRATEGIC_CIRCLE,
            )
    BriefingFactory(title="Subsea route later", published_at=now + timedelta(days=1))
    briefings_reindex()


def every_search(limit):
    """(audience, document, text, matches, statements) of each of QUERIES, as each audience."""
    queryset = Briefing.objects.published().for_search_results()
    for audience in Audience:
        document = int(search_document_audience(audience))
        for text in QUERIES:
            with CaptureQueriesContext(connection) as statements:
                matches = search.Matches(
                    queryset, text=text, document=document, narrowed=False, limit=limit
                )
            yield audience, document, text, matches, statements


# How the statement that collects the matches through the index orders them.
COLLECTING = "AT TIME ZONE 'UTC' DESC"


def walked(statements) -> bool:
    """Whether the newest matches were ranked by the walk, not in a window or collected."""
    return any(
        "ts_rank" in s["sql"] and "OFFSET 0" not in s["sql"] and COLLECTING not in s["sql"]
        for s in statements.captured_queries
    )


def collected(statements) -> bool:
    """Whether the newest matches were collected through the index (windows fell short)."""
    return any(
        COLLECTING in s["sql"] and "OFFSET 0" not in s["sql"] for s in statements.captured_queries
    )


@pytest.mark.parametrize("limit", [1, 3, 5, search.MAX_CANDIDATES])
def test_the_windows_find_the_plain_statements_matches(monkeypatch, limit):
    # A first window as deep as the matches wanted (at 3, the newest 3 documents, which
    # hold none of them), then wider ones, sized by how many each held.
    monkeypatch.setattr(window, "FIRST_WINDOW", 1)
    monkeypatch.setattr(window, "MAX_WINDOWS", 5)
    build_archive()
    windowed = set()
    for audience, document, text, matches, statements in every_search(limit):
        if not walked(statements) and not collected(statements):
            windowed.add(text)
        assert matches.ranked == reference(text, document, limit), (text, audience, limit)
    # The windows ranked every query whose matches they held (not `-fibre`, which no GIN
    # scan narrows, nor a negation whose first window, among the newest documents that
    # mostly hold `fibre`, held none; at 200 the archive is narrower than the first
    # window: every query is walked).
    if limit < 40:
        assert {"subsea", "subsea fibre", "fibre OR landing", "pairs"} <= windowed
    else:
        assert not windowed
    assert not windowed & WALKED


def test_a_window_that_falls_short_is_widened(monkeypatch):
    # The newest 15 documents hold two of the three matches wanted: the next window,
    # sized for three at that rate, holds them.
    monkeypatch.setattr(window, "FIRST_WINDOW", 5)
    build_archive()
    queryset = Briefing.objects.published().for_search_results()
    document = int(search_document_audience(Audience.PUBLIC))
    text = "subsea -fibre"
    with CaptureQueriesContext(connection) as statements:
        matches = search.Matches(queryset, text=text, document=document, narrowed=False, limit=3)
    assert matches.ranked == reference(text, document, 3)
    assert sum("OFFSET 0" in s["sql"] for s in statements.captured_queries) == 2
    assert not walked(statements)


def test_a_window_that_falls_short_is_followed_by_a_wider_one():
    assert window.next_offset(400, 40, 200) == 3000
    assert window.next_offset(400, 199, 200) == 800


def test_no_window_is_deeper_than_the_widest():
    # A query that sparse is collected through the index.
    assert window.next_offset(400, 1, 200) is None
    assert window.next_offset(400, 0, 200) is None
    assert window.next_offset(3200, 150, 200) == 6400 == 200 * window.WIDEST_WINDOW


@pytest.mark.parametrize("limit", [1, 3])
def test_a_sparse_query_stops_widening_and_is_collected(monkeypatch, limit):
    # The widest window is 2 documents deep: every query that the first window leaves
    # short is collected through the index, with the same matches.
    monkeypatch.setattr(window, "FIRST_WINDOW", 1)
    monkeypatch.setattr(window, "WIDEST_WINDOW", 2)
    build_archive()
    for audience, document, text, matches, statements in every_search(limit):
        assert matches.ranked == reference(text, document, limit), (text, audience, limit)
        assert not walked(statements) or text in WALKED, (text, audience, limit)
        # However the windows go: a statement each, then the collection.
        assert len(statements.captured_queries) <= window.MAX_WINDOWS + 1


def test_a_query_absent_from_the_newest_documents_is_collected_not_walked():
    # Common in older briefings, absent from the newest: the first window holds none, and
    # walking newest first would read every newer document's vector.
    now = timezone.now()
    for index in range(12):
        briefing = BriefingFactory(
            title=f"Route {index}", published_at=now - timedelta(minutes=index)
        )
        body = "The heliotrope cable lands." if index >= 4 else "The cable lands."
        SectionFactory(briefing=briefing, body=body, audience=Audience.PUBLIC)
    briefings_reindex()
    queryset = Briefing.objects.published().for_search_results()
    document = int(search_document_audience(Audience.PUBLIC))
    with CaptureQueriesContext(connection) as statements:
        matches = search.Matches(
            queryset, text="heliotrope", document=document, narrowed=False, limit=2
        )
    assert matches.ranked == reference("heliotrope", document, 2)
    assert len(matches.ranked) == 2
    assert collected(statements)
    assert not walked(statements)


def test_a_phrase_or_a_filter_is_not_windowed():
    build_archive()
    queryset = Briefing.objects.published().for_search_results()
    document = int(search_document_audience(Audience.PUBLIC))
    for text, narrowed in [('"subsea fibre"', False), ("subsea", True)]:
        with CaptureQueriesContext(connection) as statements:
            matches = search.Matches(
                queryset, text=text, document=document, narrowed=narrowed, limit=3
            )
        assert walked(statements), text
        assert not any("OFFSET 0" in s["sql"] for s in statements.captured_queries), text
        assert matches.ranked
