"""
Where a snippet is cut from (briefings.search.page): around the first place the text holds
a word the result may have matched, whichever word of the query that is, in the form the
reader wrote it rather than the stemmer's.
"""

import pytest
from django.db import connection

from briefings.search import briefing_reindex
from briefings.search.page import snippet_with_ellipses, snippet_words
from tests.briefings.test_search import search, snippet_html
from tests.factories import BriefingFactory, RegionFactory, SectionFactory, TopicFactory

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL full-text search"
)

FILLER = "Capacity planning continues across the region this quarter. " * 60


@pytest.mark.parametrize(
    ("tree", "words"),
    [
        ("'cool' & 'grid'", ["cool", "grid"]),
        ("'nuclear' | 'batteri'", ["nuclear", "batter"]),
        ("'subsea' & !'fibr'", ["subsea"]),
        ("!'fibr' & 'subsea'", ["subsea"]),
        ("!( 'export' <-> 'control' ) & 'grid'", ["grid"]),
        ("( 'solar' | !'wind' ) & !( 'coal' & ( 'gas' | 'oil' ) ) & 'tidal'", ["solar", "tidal"]),
        ("'export' <-> 'control' & 'export'", ["export", "control"]),
        ("'o''brien' & 'ai'", ["o'brien", "ai"]),
        ("T", []),
        ("", []),
    ],
)
def test_the_words_a_snippet_looks_for_are_the_querys_own_not_the_left_out(tree, words):
    assert snippet_words(tree) == words


def snippet_of(client, query):
    return snippet_html(search(client, q=query))


def deep_briefing(sentence):
    briefing = BriefingFactory(title="Storage works", summary="Who builds what.")
    SectionFactory(briefing=briefing, body=f"{FILLER}\n\n{sentence}\n\n{FILLER}")
    briefing_reindex(briefing=briefing)


@postgres_only
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "sentence", "highlight"),
    [
        # The stemmer's 'batteri' is in no form of the word; 'batter' is.
        ("battery", "The Battery contract was signed.", "<mark>Battery</mark> contract"),
        ("batteries", "The batteries were delivered.", "<mark>batteries</mark> were"),
        ("strategy", "A STRATEGY paper followed.", "<mark>STRATEGY</mark> paper"),
        # An OR matched by its second word.
        ("nuclear OR battery", "The battery contract was signed.", "<mark>battery</mark>"),
        # The first word of the query is one the result must not hold.
        ("-fibre quokkagrid", "The quokkagrid deal closed.", "<mark>quokkagrid</mark> deal"),
        ('-"subsea fibre" quokkagrid', "The quokkagrid deal closed.", "<mark>quokkagrid</mark>"),
    ],
)
def test_the_snippet_shows_where_the_result_matched_deep_in_its_text(
    client, query, sentence, highlight
):
    deep_briefing(sentence)
    snippet = snippet_of(client, query)
    assert highlight in snippet


@postgres_only
@pytest.mark.django_db
def test_an_ellipsis_says_where_the_snippet_cuts_the_text(client):
    deep_briefing("The quokkagrid deal closed.")
    snippet = snippet_of(client, "quokkagrid")
    assert snippet.startswith("… ") and snippet.endswith(" …"), snippet
    assert "<mark>quokkagrid</mark> deal closed." in snippet


@postgres_only
@pytest.mark.django_db
def test_a_snippet_of_the_whole_text_has_no_ellipsis(client):
    briefing = BriefingFactory(
        title="Storage works",
        summary="Who builds what.",
        region=RegionFactory(name="Pacific"),
        topic=TopicFactory(name="Storage"),
    )
    SectionFactory(briefing=briefing, body="The quokkagrid deal closed on time.")
    briefing_reindex(briefing=briefing)
    snippet = snippet_of(client, "quokkagrid")
    assert "<mark>quokkagrid</mark> deal closed on time." in snippet
    assert snippet.startswith("Section") and snippet.endswith("Pacific · Storage"), snippet
    assert "…" not in snippet, snippet


@pytest.mark.parametrize(
    ("headline", "text_start", "stretch_end", "snippet"),
    [
        ("The deal closed.", "The deal closed.", "The deal closed.", "The deal closed."),
        ("deal closed.", "The deal closed.", "The deal closed.", "… deal closed."),
        ("The deal", "The deal closed.", "The deal closed.", "The deal …"),
        ("The deal closed.", "The deal closed.", None, "The deal closed. …"),
        (
            "The \ue000deal\ue001 closed.",
            "The deal closed.",
            "The deal closed.",
            "The \ue000deal\ue001 closed.",
        ),
        (None, None, None, ""),
    ],
)
def test_an_ellipsis_marks_each_end_of_a_snippet_that_cuts_the_text(
    headline, text_start, stretch_end, snippet
):
    assert snippet_with_ellipses(headline, text_start, stretch_end) == snippet
