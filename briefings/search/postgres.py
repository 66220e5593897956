"""
Search on PostgreSQL: weighted full-text search (title A, summary B, everything else C),
ranked, with web-search syntax (quoted phrases, OR, -word) and highlighted snippets, over
one partial GIN index per audience.

The statements are written out in SQL with named parameters: built from ORM expressions,
they took more of a search's time in Python than PostgreSQL took to answer them.
"""

import re

from django.db import connection, transaction
from django.db.models import BooleanField, Func
from django.utils import timezone

from briefings.models import SearchDocument, SearchPairs
from briefings.search import cursors, page, window

CONFIG = "english"

# One statement per batch: the documents go in as arrays and PostgreSQL computes each
# weighted vector on the way in, so every row is written once. The text every audience
# may read (most of a briefing) is turned into a vector once per briefing, not once per
# audience: that was most of an import's database time. Each document's vector is that
# shared vector followed by its own readable rest (`extra`); its stored body keeps the
# reading order, for snippets.
#
# Its briefing's phrase pairs (neighbouring lexemes, hashed: briefings.search_pairs) are
# the union of its documents' pairs, worked out set-based for the batch in one pass each:
# the shared vectors' pairs once per briefing, then every document's rest with, before its
# first position, the lexemes at the shared vector's last (`||` puts the rest just after
# them), so the pair where the two meet comes out of the same join. They are written in
# the same statement, a briefing's row left alone when its pairs are the same.
#
# A lexeme's neighbour is the next one in position order (one sort and a window, which
# took less than joining the positions to themselves, two sorts each), and a pair only
# when it stands at the next position (a stop word leaves a gap). Only where two lexemes
# share a position does that miss pairs: PostgreSQL puts every word past the last
# position it counts at that position, and the rest's start holds every lexeme at the
# shared text's last. Those few are joined as before, so the pairs are the same.
_UPSERT_SQL = """
WITH shared AS MATERIALIZED (
    SELECT s.briefing_id,
           setweight(to_tsvector(%(config)s::regconfig, s.title), 'A')
           || setweight(to_tsvector(%(config)s::regconfig, s.summary), 'B')
           || setweight(to_tsvector(%(config)s::regconfig, s.body), 'C') AS vector
    FROM unnest(
        %(shared_ids)s::bigint[], %(shared_titles)s::text[], %(shared_summaries)s::text[],
        %(shared_bodies)s::text[]
    ) AS s(briefing_id, title, summary, body)
),
shared_placed AS MATERIALIZED (
    SELECT s.briefing_id, t.lexeme, unnest(t.positions) AS position
    FROM shared s, unnest(s.vector) AS t
),
shared_last AS (
    SELECT p.briefing_id, p.lexeme
    FROM shared_placed p
    JOIN (SELECT briefing_id, max(position) AS position FROM shared_placed GROUP BY briefing_id)
        AS l ON l.briefing_id = p.briefing_id AND l.position = p.position
),
documents AS MATERIALIZED (
    SELECT d.briefing_id, d.audience, d.title, d.summary, d.body, d.published_at,
           setweight(to_tsvector(%(config)s::regconfig, d.extra), 'C') AS extra,
           d.section_audiences, d.has_source_notes
    FROM unnest(
        %(briefing_ids)s::bigint[], %(audiences)s::smallint[],
        %(titles)s::text[], %(summaries)s::text[], %(bodies)s::text[], %(extras)s::text[],
        %(published)s::timestamptz[], %(section_audiences)s::smallint[],
        %(has_source_notes)s::boolean[]
    ) AS d(briefing_id, audience, title, summary, body, extra, published_at,
           section_audiences, has_source_notes)
),
extra_placed AS MATERIALIZED (
    SELECT d.briefing_id, d.audience, t.lexeme, unnest(t.positions) AS position
    FROM documents d, unnest(d.extra) AS t
    UNION ALL
    SELECT d.briefing_id, d.audience, l.lexeme, 0
    FROM documents d JOIN shared_last l ON l.briefing_id = d.briefing_id
    WHERE d.extra <> ''
),
pairs AS (
    SELECT briefing_id, hashtext(lexeme || ' ' || next) AS pair
    FROM (
        SELECT briefing_id, lexeme, position,
               lead(lexeme) OVER w AS next, lead(position) OVER w AS next_position
        FROM shared_placed WINDOW w AS (PARTITION BY briefing_id ORDER BY position)
    ) AS a
    WHERE next_position = position + 1
    UNION ALL
    SELECT briefing_id, hashtext(lexeme || ' ' || next)
    FROM (
        SELECT briefing_id, lexeme, position,
               lead(lexeme) OVER w AS next, lead(position) OVER w AS next_position
        FROM extra_placed WINDOW w AS (PARTITION BY briefing_id, audience ORDER BY position)
    ) AS a
    WHERE next_position = position + 1
    UNION ALL
    SELECT a.briefing_id, hashtext(a.lexeme || ' ' || b.lexeme)
    FROM shared_placed a
    JOIN shared_placed b ON b.briefing_id = a.briefing_id AND b.position = a.position + 1
    WHERE a.position >= {last_position} - 1
    UNION ALL
    SELECT a.briefing_id, hashtext(a.lexeme || ' ' || b.lexeme)
    FROM extra_placed a
    JOIN extra_placed b ON b.briefing_id = a.briefing_id AND b.audience = a.audience
        AND b.position = a.position + 1
    WHERE a.position = 0 OR a.position >= {last_position} - 1
),
written_pairs AS (
    INSERT INTO {pairs_table} (briefing_id, pairs)
    SELECT s.briefing_id,
           coalesce(array_agg(DISTINCT p.pair) FILTER (WHERE p.pair IS NOT NULL), '{{}}')
    FROM shared s LEFT JOIN pairs p ON p.briefing_id = s.briefing_id
    GROUP BY s.briefing_id
    ON CONFLICT (briefing_id) DO UPDATE SET pairs = EXCLUDED.pairs
    WHERE {pairs_table}.pairs IS DISTINCT FROM EXCLUDED.pairs
)
INSERT INTO {table} (briefing_id, audience, title, summary, body, published_at, vector,
                     section_audiences, has_source_notes)
SELECT d.briefing_id, d.audience, d.title, d.summary, d.body, d.published_at,
       s.vector || d.extra, d.section_audiences, d.has_source_notes
FROM documents d
JOIN shared s ON s.briefing_id = d.briefing_id
ON CONFLICT (briefing_id, audience) DO UPDATE SET
    title = EXCLUDED.title, summary = EXCLUDED.summary, body = EXCLUDED.body,
    published_at = EXCLUDED.published_at, vector = EXCLUDED.vector,
    section_audiences = EXCLUDED.section_audiences, has_source_notes = EXCLUDED.has_source_notes
WHERE ({table}.title, {table}.summary, {table}.body, {table}.published_at, {table}.vector,
       {table}.section_audiences, {table}.has_source_notes)
    IS DISTINCT FROM
    (EXCLUDED.title, EXCLUDED.summary, EXCLUDED.body, EXCLUDED.published_at, EXCLUDED.vector,
     EXCLUDED.section_audiences, EXCLUDED.has_source_notes)
"""


# The memory a batch's write may use (PostgreSQL's work_mem, 4 MB by default): for the
# pairs' joins, and for merging the GIN indexes' pending entries into their trees when the
# batch fills a pending list, which PostgreSQL does in rounds of work_mem each. Set for
# the transaction that writes them (see docs/performance.md).
WRITE_WORK_MEM = "64MB"


# The last position a tsvector counts (PostgreSQL's MAXENTRYPOS - 1): later words get it too.
LAST_POSITION = 16383


def documents_save(shared: list[tuple], documents: list[tuple]) -> bool:
    """
    Write the rows `briefings.search.documents` built, with their weighted vectors; a
    document that would not change is left alone. Whether any was written.
    """
    if not documents:
        return False
    table = connection.ops.quote_name(SearchDocument._meta.db_table)
    pairs_table = connection.ops.quote_name(SearchPairs._meta.db_table)
    shared_ids, shared_titles, shared_summaries, shared_bodies = (
        list(column) for column in zip(*shared, strict=True)
    )
    columns = [list(column) for column in zip(*documents, strict=True)]
    (
        briefing_ids, audiences, titles, summaries, bodies, extras, published,
        section_audiences, has_source_notes,
    ) = columns  # fmt: skip
    values = {
        "config": CONFIG,
        "shared_ids": shared_ids,
        "shared_titles": shared_titles,
        "shared_summaries": shared_summaries,
        "shared_bodies": shared_bodies,
        "briefing_ids": briefing_ids,
        "audiences": audiences,
        "titles": titles,
        "summaries": summaries,
        "bodies": bodies,
        "extras": extras,
        "published": published,
        "section_audiences": section_audiences,
        "has_source_notes": has_source_notes,
    }
    sql = _UPSERT_SQL.format(table=table, pairs_table=pairs_table, last_position=LAST_POSITION)
    with transaction.atomic(savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('work_mem', %s, true)", [WRITE_WORK_MEM])
        with cursors.server_bound_cursor() as cursor:
            cursor.execute(sql, values)
            return cursor.rowcount > 0


class AmongIds(Func):
    """`id = ANY(%s)`: a list of ids as one array parameter, not one parameter per id."""

    output_field = BooleanField()

    def __init__(self, expression, ids):
        super().__init__(expression)
        self.ids = [int(pk) for pk in ids]

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"{sql} = ANY(%s::bigint[])", (*params, self.ids)


# The reader's query, parsed as a search engine would (quoted phrases, OR, -word).
_QUERY_SQL = "websearch_to_tsquery(%(config)s::regconfig, %(text)s)"

# The newest `limit` matches, then ranked: a query that matches most of the archive costs
# the same as a rare one, since ranking reads every candidate's vector. Without filters
# they come from the audience's documents alone, which know when their briefing went live
# (no briefing row is read for a match that does not make the newest); with filters, from
# the briefings the filters leave.
_NEWEST_DOCUMENTS_SQL = """
SELECT d.briefing_id, d.published_at, d.vector FROM {documents} d
WHERE d.audience = %(document)s AND d.published_at <= %(now)s AND d.vector @@ {query}{pairs}
ORDER BY d.published_at DESC, d.briefing_id DESC LIMIT %(limit)s
"""
_NEWEST_BRIEFINGS_SQL = """
SELECT d.briefing_id, b.published_at, d.vector FROM {documents} d
JOIN ({briefings}) AS b (id, published_at) ON b.id = d.briefing_id
WHERE d.audience = %(document)s AND d.vector @@ {query}{pairs}
ORDER BY b.published_at DESC, d.briefing_id DESC LIMIT %(limit)s
"""

# A quoted phrase matches only a document that has each pair of its neighbouring lexemes
# side by side, so a query that needs the phrase (no OR, the phrase not left out) is first
# narrowed to the briefings whose phrase pairs (briefings.search_pairs) hold all of the
# phrase's, through their GIN index: checking the phrase's positions in every document
# that has its words read most of the archive when the words were common and the phrase
# was not. The pairs come from the phrase's own vector, as the briefings' do from their
# documents' (`briefings_pair_hashes`, migration 0019). They are every audience's pairs
# together: they narrow, and the reader's own document still decides the match.
_PHRASE_PAIRS_SQL = """
WITH placed AS (
    SELECT p.n, t.lexeme, unnest(t.positions) AS position
    FROM unnest(%(phrases)s::text[]) WITH ORDINALITY AS p(phrase, n),
         unnest(to_tsvector(%(config)s::regconfig, p.phrase)) AS t
)
SELECT array_agg(DISTINCT hashtext(a.lexeme || ' ' || b.lexeme))
FROM placed a JOIN placed b ON b.n = a.n AND b.position = a.position + 1
"""
_PHRASE_CANDIDATES_SQL = (
    " AND d.briefing_id IN (SELECT p.briefing_id FROM {pairs_table} p"
    " WHERE p.pairs @> %(pairs)s::integer[])"
)
_PHRASE = re.compile(r'(-?)"([^"]*)"')
_OR = re.compile(r"\bor\b", re.IGNORECASE)


def required_phrases(text: str) -> list[str]:
    """
    The quoted phrases of two words or more that every match must hold: none when the
    query has an OR (a phrase may be one side of it); never one that is left out (-"...").
    """
    if _OR.search(text):
        return []
    return [
        phrase for minus, phrase in _PHRASE.findall(text) if not minus and " " in phrase.strip()
    ]


def phrase_pairs(text: str) -> list[int]:
    """The hashed pairs every match of `text` must hold (none when none are needed)."""
    phrases = required_phrases(text)
    if not phrases:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_PHRASE_PAIRS_SQL, {"phrases": phrases, "config": CONFIG})
        (pairs,) = cursor.fetchone()
    return pairs or []


_RANKED_SQL = """
SELECT c.briefing_id,
       (SELECT querytree({query})) AS tree
FROM ({newest}) AS c
ORDER BY ts_rank(c.vector, {query}, 1) DESC, c.published_at DESC, c.briefing_id DESC
"""

# Each result's snippet, and what its line shows: briefings.search.page.


def _sql_names() -> dict[str, str]:
    return {
        "documents": connection.ops.quote_name(SearchDocument._meta.db_table),
        "query": _QUERY_SQL,
    }


# A named parameter, or a literal percent sign (left as it is).
_NAMED = re.compile(r"%%|%\((\w+)\)s")
_POSITIONAL = re.compile(r"%%|%s")


def positional(sql: str, values: dict) -> tuple[str, tuple]:
    """
    Named parameters as `%s` and their values in order, for SQL that joins an ORM query
    (which takes only positional parameters).
    """
    params = []

    def replace(match):
        if match.group(1) is None:
            return match.group(0)
        params.append(values[match.group(1)])
        return "%s"

    return _NAMED.sub(replace, sql), tuple(params)


def named(sql: str, params, prefix: str) -> tuple[str, dict]:
    """An ORM query's positional parameters named `<prefix><n>`, to join named SQL."""
    values = iter(params)
    names = {}

    def replace(match):
        if match.group(0) == "%%":
            return "%%"
        name = f"{prefix}{len(names)}"
        names[name] = next(values)
        return f"%({name})s"

    return _POSITIONAL.sub(replace, sql), names


class Matches:
    """
    A search's ranked matches, for a paginator. One statement finds the newest `limit`
    matches and ranks them, so their number is known without counting; each page then
    reads its briefings among `queryset`'s, with their snippets (briefings.search.page),
    so a search document that is behind its briefing can never show one that is not live.
    """

    ordered = True

    def __init__(self, queryset, *, text: str, document: int, narrowed: bool, limit: int):
        self.queryset = queryset
        self.text = text
        self.document = document
        self._live_sql = None
        self.ranked, tree = self._rank(narrowed, limit)
        self.words = page.snippet_words(tree)

    def _rank(self, narrowed: bool, limit: int) -> tuple[list[int], str]:
        """The matching briefings' ids, best first, and the query's tree (`querytree`)."""
        values = {"config": CONFIG, "text": self.text, "document": self.document, "limit": limit}
        values["pairs"] = phrase_pairs(self.text)
        pairs_table = connection.ops.quote_name(SearchPairs._meta.db_table)
        condition = _PHRASE_CANDIDATES_SQL.format(pairs_table=pairs_table)
        names = {**_sql_names(), "pairs": condition if values["pairs"] else ""}
        if narrowed:
            briefings_sql, briefing_values = self._live()
            values.update(briefing_values)
            newest = _NEWEST_BRIEFINGS_SQL.format(briefings=briefings_sql, **names)
        else:
            values["now"] = timezone.now()
            newest = _NEWEST_DOCUMENTS_SQL.format(**names)
            if not values["pairs"]:
                rows, fell_short = self._rank_in_windows(values, limit)
                if rows is not None:
                    return [briefing_id for briefing_id, _ in rows], (rows[0][1] if rows else "")
                if fell_short:
                    newest = window.NEWEST_COLLECTED_SQL.format(**_sql_names())
        sql = _RANKED_SQL.format(newest=newest, **_sql_names())
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            rows = cursor.fetchall()
        return [briefing_id for briefing_id, _ in rows], (rows[0][1] if rows else "")

    def _rank_in_windows(self, values: dict, limit: int) -> tuple[list[tuple] | None, bool]:
        """
        The ranked rows from the narrowest window of the newest documents that holds
        `limit` matches (briefings.search.window), or None, and whether windows fell short:
        then the caller collects the matches through the index; with no window to search,
        it walks every document.
        """
        sql = window.RANKED_IN_WINDOW_SQL.format(**_sql_names())
        offset = limit * window.FIRST_WINDOW
        with cursors.preparing_cursor() as cursor:
            for tried in range(window.MAX_WINDOWS):
                cursor.execute(sql, {**values, "offset": offset})
                rows = cursor.fetchall()
                if rows[0][0] is not None:
                    return rows, False
                if rows[0][1] is None:  # no window: past the first, the archive is narrower
                    return None, bool(tried)
                offset = window.next_offset(offset, int(rows[0][1]), limit)
                if offset is None:
                    break
        return None, True

    def __len__(self) -> int:
        return len(self.ranked)

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        ids = self.ranked[index]
        if not ids:
            return []
        live_sql, live_values = self._live()
        values = {
            **live_values,
            "config": CONFIG,
            "text": self.text,
            "document": self.document,
            "words": self.words,
        }
        sql = page.page_sql(_QUERY_SQL).format(live=live_sql)
        return page.results_read(ids, sql=sql, values=values)

    def _live(self) -> tuple[str, dict]:
        """
        `queryset`'s briefings (id, published time) as SQL with named parameters: the
        only ones a search may rank (with filters) or show. Compiled once per search.
        """
        if self._live_sql is None:
            briefings = self.queryset.order_by().values_list("pk", "published_at").query
            sql, params = briefings.get_compiler(using=self.queryset.db).as_sql()
            self._live_sql = named(sql, params, "briefings_")
        return self._live_sql
