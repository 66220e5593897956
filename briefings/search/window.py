"""
The newest matches of a query, found window by window through each audience's dated GIN
index (published time and vector, migration 0020): every search without filters or a
quoted phrase to narrow it (those have statements of their own, briefings.search.postgres).

Walking the audience's documents newest first checks each document's vector (read out of
its TOAST storage) until enough match, then reads the matches' vectors again to rank
them: a negation that most new documents fail, because they hold the word left out, read
thousands of vectors for its 200 matches, and a common word read a vector for every
document it passed. Collecting every match through the GIN index instead, and sorting
them by time, read the heap row of each: thousands for an OR of two words. Here one GIN
scan intersects a window of the newest documents with the query's lexemes, so only the
window's matches are read, and only the newest `limit` of them have their vectors read,
to rank them.

A window is every live document published at or after the one `offset` places down the
audience's newest-first index (ties included): a document outside it is older than every
document in it, so when the window holds `limit` matches they are the newest `limit`
matches of all, in the same order. When it holds fewer, the next, wider window is tried,
and past the widest the caller collects every match through the index
(NEWEST_COLLECTED_SQL); with no window at all (an archive narrower than the first, or a
query no GIN scan narrows) it walks as before. The results are the same every way.
"""

# The first window, as a multiple of the number of matches wanted (the newest 400
# documents for a search's 200): a query most new documents match is done in it. A window
# that falls short says how many matches it holds, and the next one is sized for the
# matches wanted at that rate, half as large again. When it held none, or the next window
# would reach deeper than WIDEST_WINDOW times the matches wanted, or after MAX_WINDOWS,
# the caller collects the matches through the index: a wide window costs more than that
# for a query that sparse (a GIN scan of 6,400 documents' times took 2-7 ms at 100,000
# briefings, and finding where a window starts reads the index down to it, 11 ms at
# 100,000). A window that falls short reads no vector.
FIRST_WINDOW = 2
MAX_WINDOWS = 3
WIDEST_WINDOW = 32

# One statement a window. Where the window starts (`start`): the published time (in UTC,
# as the dated index holds it) `offset` places down the newest-first index (an
# index-only scan); nothing when the audience has fewer live documents. Nothing, too,
# when the query has no word a document must hold (`-fibre` alone: its GIN tree is 'T'):
# the index cannot narrow the window's documents, and checking each of them took longer
# than the walk, which stops at the first `limit` matches.
#
# Then the window's newest `limit` matches, ranked as _RANKED_SQL ranks; or, when the
# window holds fewer, one row with no briefing and their number (no vector is read for a
# window that falls short); or, when there is no window, one row with neither (the caller
# walks when it is the first, and collects past it). The window is written on the
# published time in UTC, which the dated index holds and the newest-first index does not,
# so PostgreSQL reads it through the GIN index (when it could also walk the newest-first
# index, it did so for a query most documents match, checking every vector in the window).
# The subquery (OFFSET 0 keeps it apart) has no order for the newest-first index to give,
# and "published by now" is a check on each row (IS TRUE: the same test, which no index
# takes): as an index condition, the GIN index would read every published time up to now.
# Finding the start in the same statement, rather than in one before it, saved a round
# trip a search.
#
# It is prepared once per connection (briefings.search.cursors), which spares parsing it;
# PostgreSQL still plans it for each search's words, since a plan made without them
# could use none of the audience's partial indexes. The audience is compared as an
# integer, as those indexes' predicates are written: as the smallint a prepared statement
# is given, it did not prove them, and every document of the audience was read besides.
RANKED_IN_WINDOW_SQL = """
WITH start AS MATERIALIZED (
    SELECT d.published_at AT TIME ZONE 'UTC' AS at FROM {documents} d
    WHERE d.audience = %(document)s::integer AND d.published_at <= %(now)s
      AND querytree({query}) <> 'T'
    ORDER BY d.published_at DESC, d.briefing_id DESC OFFSET %(offset)s LIMIT 1
),
newest AS MATERIALIZED (
    SELECT w.briefing_id, w.published_at, w.vector FROM (
        SELECT d.briefing_id, d.published_at, d.vector FROM {documents} d
        WHERE d.audience = %(document)s::integer
          AND d.published_at AT TIME ZONE 'UTC' >= (SELECT at FROM start)
          AND (d.published_at <= %(now)s) IS TRUE AND d.vector @@ {query}
        OFFSET 0
    ) AS w
    ORDER BY w.published_at DESC, w.briefing_id DESC LIMIT %(limit)s
),
found AS (SELECT count(*) AS n FROM newest)
(SELECT c.briefing_id,
        (SELECT querytree({query})) AS tree
 FROM newest c, found WHERE found.n = %(limit)s
 ORDER BY ts_rank(c.vector, {query}, 1) DESC, c.published_at DESC, c.briefing_id DESC)
UNION ALL
SELECT NULL, CASE WHEN EXISTS (SELECT 1 FROM start) THEN found.n::text END
FROM found WHERE found.n < %(limit)s
"""


def next_offset(offset: int, found: int, limit: int) -> int | None:
    """
    Where the next window starts, after one `offset` deep held `found` of `limit`; None
    when it held none, or the next would be deeper than the widest window.
    """
    if not found:
        return None
    widened = max(offset * 2, offset * limit * 3 // (found * 2))
    return widened if widened <= limit * WIDEST_WINDOW else None


# The newest `limit` matches when the windows fell short, collected through the GIN index
# (ranked as _RANKED_SQL ranks them) rather than walked: the matches are sparse among the
# newest documents, and walking them newest first read the vector of every document it
# passed (a word common in older briefings and absent from the newest 10,000: 76 ms warm
# and 920 ms cold at 100,000 briefings, against 72 and 161 collected; two such words 215
# against 22 ms). Ordered on the published time in UTC and with "published by now" as a
# check on each row, as the windows are, so PostgreSQL cannot walk the newest-first index.
NEWEST_COLLECTED_SQL = """
SELECT d.briefing_id, d.published_at, d.vector FROM {documents} d
WHERE d.audience = %(document)s AND (d.published_at <= %(now)s) IS TRUE AND d.vector @@ {query}
ORDER BY d.published_at AT TIME ZONE 'UTC' DESC, d.briefing_id DESC LIMIT %(limit)s
"""
