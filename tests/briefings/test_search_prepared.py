"""
A search's newest matches (window by window) and its page of results are read through
statements prepared once per connection (briefings.search.cursors), and only those: the
statements that write search documents, run again and again by an import, stay
unprepared.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from briefings import search
from briefings.models import Briefing
from briefings.search import MARK_START, briefings_reindex
from members.access import Audience
from tests.factories import BriefingFactory, SectionFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL statements"),
]


def prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


def page(text: str, audience=Audience.PUBLIC) -> list[tuple]:
    queryset = Briefing.objects.published().for_search_results()
    matches = search.briefings_matching(queryset, text=text, audience=audience, narrowed=False)
    return [(result.pk, result.title, result.snippet) for result in matches[0:20]]


def test_a_search_is_read_through_two_prepared_statements():
    for number in range(3):
        briefing = BriefingFactory(title=f"Harbour crane {number}")
        SectionFactory(briefing=briefing, body=f"The harbour crane fleet grew by {number}.")
    briefings_reindex()
    connection.ensure_connection()
    before = prepared()

    first = page("harbour crane")
    statements = sorted(each for each in prepared() if each not in before)
    assert len(statements) == 2
    assert [("WITH start" in each, "ts_headline" in each) for each in statements] == [
        (False, True),
        (True, False),
    ]
    # Again, and for other words and another reader: the same statement, run, not prepared again.
    with CaptureQueriesContext(connection) as queries:
        again = page("harbour crane")
        page("crane -fleet", audience=Audience.LEADERSHIP_ALLIANCE)
    assert sorted(each for each in prepared() if each not in before) == statements
    assert again == first
    assert len(first) == 3
    assert all(MARK_START + "crane" in snippet.lower() for *_, snippet in first)
    # Still counted as queries, as every statement Django runs is.
    assert any("ts_headline" in query["sql"] for query in queries.captured_queries)


def test_the_statements_that_write_search_documents_stay_unprepared():
    briefings = [BriefingFactory(title=f"Quay {number}") for number in range(8)]
    connection.ensure_connection()
    page("quay")  # the connection now prepares what it is asked to
    before = prepared()
    # One batch each: the write's statement, run eight times on this connection, as
    # psycopg would prepare it on its own after five (its default).
    for briefing in briefings:
        briefings_reindex(briefing_ids=[briefing.pk])
    assert [each for each in prepared() if each not in before] == []
