"""
Search over published briefings, without ever matching or quoting gated text.

Each briefing keeps one precomputed `SearchDocument` per audience (members.access decides
which parts go into which document); a reader searches only the document of their own
audience, so both the match and the snippet come from parts they may read.

- `documents`: what goes into each audience's document, and rebuilding them.
- `postgres`: ranked full-text search, snippets and document writes, in named-parameter SQL.
- `simple`: the plain match used without PostgreSQL (local runs on SQLite).
- `text`: cleaning text, the simple query syntax, turning snippets into HTML.
- `window`: a search that leaves words out reads the newest documents window by window.
- `page`: a page of results (and their snippets) read as plain rows in one statement.
- `results`: a page of result lines as HTML.

Every path that writes briefings, sections or citations calls `briefings_reindex` (or
`briefing_reindex`) afterwards; `manage.py reindex_search` rebuilds everything.
"""

from django.db import connection

from briefings.search import simple
from briefings.search.documents import (
    BATCH_SIZE,
    LEAD_TEXT_FIELDS,
    TRAILING_TEXT_FIELDS,
    briefing_reindex,
    briefings_index_written,
    briefings_reindex,
    briefings_reindex_all,
)
from briefings.search.page import SNIPPET_WORDS
from briefings.search.postgres import CONFIG, AmongIds, Matches
from briefings.search.text import MARK_START, MARK_STOP, clean_text, highlight, plain_text
from members import access

__all__ = [
    "BATCH_SIZE",
    "CONFIG",
    "LEAD_TEXT_FIELDS",
    "MARK_START",
    "MARK_STOP",
    "MAX_CANDIDATES",
    "SNIPPET_WORDS",
    "TRAILING_TEXT_FIELDS",
    "AmongIds",
    "Matches",
    "briefing_reindex",
    "briefings_index_written",
    "briefings_matching",
    "briefings_reindex",
    "briefings_reindex_all",
    "clean_text",
    "highlight",
    "plain_text",
]

# A search ranks at most this many matches, the newest; the page says so when it is reached.
MAX_CANDIDATES = 200


def briefings_matching(queryset, *, text: str, audience: int, narrowed: bool = True):
    """
    The briefings of `queryset` (live briefings, filtered as the reader chose) that match
    `text` in the parts a reader with `audience` may read, best first, each with what its
    result line shows and a raw `snippet` (turn it into HTML with `highlight`).
    `narrowed=False` says `queryset` is every live briefing (no filter chosen): the
    matches are then found among the search documents alone.
    """
    document = access.search_document_audience(audience)
    if connection.vendor == "postgresql":
        return Matches(
            queryset, text=text, document=document, narrowed=narrowed, limit=MAX_CANDIDATES
        )
    return simple.briefings_matching(queryset.for_search_results(), text=text, document=document)
