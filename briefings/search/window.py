"""
The newest matches of a query that leaves words out (`subsea -fibre`), found window by
window through each audience's dated GIN index (published_at and vector, migration 0020).

Walking the audience's documents newest first, as every other query does, checks each
document's vector (read out of its TOAST storage) until enough match: a negation that
most new documents fail, because they hold the word left out, read thousands of vectors
for its 200 matches. Here one GIN scan intersects a window of the newest documents with
the query's lexemes, so only the window's matches are read.

A window is every live document published at or after the one `offset` places down the
audience's newest-first index (ties included): a document outside it is older than every
document in it, so when the window holds `limit` matches they are the newest `limit`
matches of all, in the same order. When it holds fewer, the next, wider window is tried,
and past the widest the caller walks as usual. The results are the same either way.
"""

import re

# The windows tried, as multiples of the number of matches wanted: the newest 4,000
# documents for a search's 200, then 16,000 and 64,000.
WINDOW_STEPS = (20, 80, 320)

# A word or phrase left out, as websearch_to_tsquery reads one: a minus before it, at the
# start or after a space. A minus elsewhere ("sub-sea") joins words; reading one wrong
# costs time, never a different result.
_NEGATION = re.compile(r"(?:^|\s)-[^\s-]")

# Where the window starts: the published time `offset` places down the newest-first index
# (an index-only scan), nothing when the audience has fewer live documents.
WINDOW_START_SQL = """
SELECT d.published_at FROM {documents} d
WHERE d.audience = %(document)s AND d.published_at <= %(now)s
ORDER BY d.published_at DESC, d.briefing_id DESC OFFSET %(offset)s LIMIT 1
"""

# The window's matches, newest first. The window and the query are the dated index's
# conditions; the subquery (OFFSET 0 keeps it apart) has no order for the newest-first
# index to give, so PostgreSQL reads the window through the GIN index rather than walking
# it. "Published by now" is a check on each row (IS TRUE: the same test, which no index
# takes), not an index condition: the GIN index would read every published time up to now.
NEWEST_IN_WINDOW_SQL = """
SELECT w.briefing_id, w.published_at, w.vector FROM (
    SELECT d.briefing_id, d.published_at, d.vector FROM {documents} d
    WHERE d.audience = %(document)s AND d.published_at >= %(window_start)s
      AND (d.published_at <= %(now)s) IS TRUE AND d.vector @@ {query}
    OFFSET 0
) AS w
ORDER BY w.published_at DESC, w.briefing_id DESC LIMIT %(limit)s
"""


def leaves_out(text: str) -> bool:
    """Whether the query leaves a word or phrase out (`-word`, `-"a phrase"`)."""
    return bool(_NEGATION.search(text))


def window_offsets(limit: int) -> list[int]:
    """How far down the newest-first index each window starts, narrowest first."""
    return [limit * step for step in WINDOW_STEPS]
