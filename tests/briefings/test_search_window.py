"""
A query that leaves words out finds its newest matches window by window (briefings.search
.window): held against the plain statement that defines them, on an archive whose newest
documents mostly hold the word left out, so the narrow windows hold too few matches and
a window's edge falls between briefings published at the same moment.
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

QUERIES = ["subsea -fibre", 'subsea -"fibre cable"', "cable -subsea", "-fibre", "subsea fibre"]


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


@pytest.mark.parametrize("limit", [1, 3, 5, search.MAX_CANDIDATES])
def test_the_windows_find_the_plain_statements_matches(monkeypatch, limit):
    # A first window as deep as the matches wanted (at 3, the newest 3 documents, which
    # hold none of them), then wider ones, sized by how many each held.
    monkeypatch.setattr(window, "FIRST_WINDOW", 1)
    monkeypatch.setattr(window, "MAX_WINDOWS", 5)
    build_archive()
    queryset = Briefing.objects.published().for_search_results()
    windowed = 0
    for audience in Audience:
        document = int(search_document_audience(audience))
        for text in QUERIES:
            with CaptureQueriesContext(connection) as statements:
                matches = search.Matches(
                    queryset, text=text, document=document, narrowed=False, limit=limit
                )
            windowed += any("OFFSET 0" in s["sql"] for s in statements.captured_queries)
            assert matches.ranked == reference(text, document, limit), (text, audience, limit)
    # Every query that leaves a word out and needs one went through the windows (not
    # `-fibre`, which no GIN scan narrows; at 200, the archive is narrower than the first
    # window: every document is walked).
    assert windowed == (len(Audience) * 3 if limit < 40 else 0)


def test_a_window_that_falls_short_is_followed_by_a_wider_one():
    assert window.next_offset(400, 40, 200) == 3000
    assert window.next_offset(400, 0, 200) == 6400
    assert window.next_offset(400, 199, 200) == 800


def test_only_queries_that_leave_words_out_use_the_windows():
    assert window.leaves_out("subsea -fibre")
    assert window.leaves_out('-"fibre cable" subsea')
    assert not window.leaves_out("sub-sea fibre")
    assert not window.leaves_out("subsea fibre")
    assert not window.leaves_out("-")
