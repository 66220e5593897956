"""
Search over published briefings, without ever matching or quoting gated text.

Each briefing keeps one precomputed `SearchDocument` per audience (members.access decides
which parts go into which document); a reader searches only the document of their own
audience, so both the match and the snippet come from parts they may read.

PostgreSQL: weighted full-text search (title A, summary B, everything else C), ranked,
with web-search syntax (quoted phrases, OR, -word) and highlighted snippets, over one
partial GIN index per audience. SQLite (local runs): a plain case-insensitive match over
the same per-audience text.

Every path that writes briefings, sections or citations calls `briefings_reindex` (or
`briefing_reindex`) afterwards; `manage.py reindex_search` rebuilds everything.
"""

import html
import re
import shlex
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection
from django.db.models import BooleanField, F, FilteredRelation, Func, Q, TextField
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from briefings.models import Briefing, Citation, SearchDocument, Section
from members import access

CONFIG = "english"
# Private-use characters mark highlights inside PostgreSQL's headline: they cannot come
# from the text (stripped when documents are built), so the snippet can be HTML-escaped
# as a whole and only these marks turned into <mark> elements afterwards.
MARK_START = "\ue000"
MARK_STOP = "\ue001"
SNIPPET_WORDS = 30
# A search ranks at most this many matches, the newest; the page says so when it is reached.
MAX_CANDIDATES = 200
BATCH_SIZE = 500

_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ue000\ue001]")
# Tags of the sanitised HTML that briefings.markdown produces (quoted attribute values may
# hold ">"). Block elements end in newlines there, so dropping tags keeps words apart.
_TAG = re.compile(r"""<(?:[^>"']|"[^"]*"|'[^']*')*>""")
# Runs of spaces and tabs that tidying changes: a lone space, the usual gap between
# words, is left alone rather than replaced by itself (several times faster on prose).
_SPACES = re.compile(r"\t[ \t]*| [ \t]+")

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


def plain_text(value: str) -> str:
    """The text of rendered (sanitised) HTML, for search documents and snippets."""
    return clean_text(html.unescape(_TAG.sub("", value or "")))


def clean_text(value: str) -> str:
    """Plain text without control characters or the highlight marks, spaces tidied."""
    text = _UNSAFE_CHARS.sub(" ", value or "")
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.splitlines() if line.strip())


def _trailing_text(briefing: Briefing) -> list[str]:
    parts = [getattr(briefing, name) for name in TRAILING_TEXT_FIELDS]
    parts += [term.name for term in (briefing.category, briefing.region, briefing.topic) if term]
    return parts


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


def _reindex_batch(ids: list[int]) -> None:
    briefings = list(Briefing.objects.filter(pk__in=ids).with_taxonomy())
    sections = defaultdict(list)
    for briefing_id, audience, heading, body_html in (
        Section.objects.filter(briefing_id__in=ids)
        .order_by("briefing_id", "position", "id")
        .values_list("briefing_id", "audience", "heading", "body_html")
    ):
        sections[briefing_id].append((audience, clean_text(heading), plain_text(body_html)))
    citations = defaultdict(list)
    for briefing_id, title, publisher, note_html in (
        Citation.objects.filter(briefing_id__in=ids)
        .order_by("briefing_id", "position", "id")
        .values_list("briefing_id", "source__title", "source__publisher", "note_html")
    ):
        citations[briefing_id].append(
            (clean_text(title), clean_text(publisher), plain_text(note_html))
        )

    # Plain rows: per briefing, the text every audience may read (briefing id, title,
    # summary, body); per document, (briefing id, audience, title, summary, body, the
    # part of the body that not every audience may read, live from).
    shared, documents = [], []
    for briefing in briefings:
        # The briefing's text in reading order, each part with who may read it.
        parts = [(EVERYONE, clean_text(getattr(briefing, name))) for name in LEAD_TEXT_FIELDS]
        for part_audience, heading, body in sections[briefing.pk]:
            parts += [(part_audience, heading), (part_audience, body)]
        for source_title, publisher, note in citations[briefing.pk]:
            parts += [(EVERYONE, source_title), (EVERYONE, publisher), (SOURCE_NOTES, note)]
        parts += [(EVERYONE, clean_text(part)) for part in _trailing_text(briefing)]
        title, summary = clean_text(briefing.title), clean_text(briefing.summary)
        common = {
            required
            for required, _ in parts
            if all(_may_read(audience, required) for audience in access.SEARCH_DOCUMENT_AUDIENCES)
        }
        common_body = "\n".join(text for required, text in parts if text and required in common)
        shared.append((briefing.pk, title, summary, common_body))
        for audience in access.SEARCH_DOCUMENT_AUDIENCES:
            readable = [
                (required, text) for required, text in parts if _may_read(audience, required)
            ]
            body = "\n".join(text for _, text in readable if text)
            extra = "\n".join(
                text for required, text in readable if text and required not in common
            )
            documents.append(
                (briefing.pk, audience, title, summary, body, extra, briefing.live_from)
            )
    if connection.vendor == "postgresql":
        _upsert_with_vectors(shared, documents)
    else:
        SearchDocument.objects.bulk_create(
            [
                SearchDocument(
                    briefing_id=briefing_id,
                    audience=audience,
                    title=title,
                    summary=summary,
                    body=body,
                    published_at=published_at,
                )
                for briefing_id, audience, title, summary, body, _, published_at in documents
            ],
            update_conflicts=True,
            unique_fields=["briefing", "audience"],
            update_fields=["title", "summary", "body", "published_at"],
        )


# Who may read a part of a search document: everyone (the public fields), its section's
# audience, or whoever may read source notes.
EVERYONE = "everyone"
SOURCE_NOTES = "source notes"


def _may_read(audience, required) -> bool:
    if required == EVERYONE:
        return True
    if required == SOURCE_NOTES:
        return access.can_read_source_notes(audience)
    return access.can_read(audience, required)


# One statement per batch: the documents go in as arrays and PostgreSQL computes each
# weighted vector on the way in, so every row is written once. The text every audience
# may read (most of a briefing) is turned into a vector once per briefing, not once per
# audience: that was most of an import's database time. Each document's vector is that
# shared vector followed by its own readable rest (`extra`); its stored body keeps the
# reading order, for snippets.
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
)
INSERT INTO {table} (briefing_id, audience, title, summary, body, published_at, vector)
SELECT d.briefing_id, d.audience, d.title, d.summary, d.body, d.published_at,
       shared.vector || setweight(to_tsvector(%(config)s::regconfig, d.extra), 'C')
FROM unnest(
    %(briefing_ids)s::bigint[], %(audiences)s::smallint[],
    %(titles)s::text[], %(summaries)s::text[], %(bodies)s::text[], %(extras)s::text[],
    %(published)s::timestamptz[]
) AS d(briefing_id, audience, title, summary, body, extra, published_at)
JOIN shared ON shared.briefing_id = d.briefing_id
ON CONFLICT (briefing_id, audience) DO UPDATE SET
    title = EXCLUDED.title, summary = EXCLUDED.summary, body = EXCLUDED.body,
    published_at = EXCLUDED.published_at, vector = EXCLUDED.vector
"""


def _upsert_with_vectors(shared: list[tuple], documents: list[tuple]) -> None:
    if not documents:
        return
    table = connection.ops.quote_name(SearchDocument._meta.db_table)
    shared_ids, shared_titles, shared_summaries, shared_bodies = (
        list(column) for column in zip(*shared, strict=True)
    )
    columns = [list(column) for column in zip(*documents, strict=True)]
    briefing_ids, audiences, titles, summaries, bodies, extras, published = columns
    with connection.cursor() as cursor:
        cursor.execute(
            _UPSERT_SQL.format(table=table),
            {
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
            },
        )


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
_QUERY_SQL = "websearch_to_tsquery(%s::regconfig, %s)"

# The newest MAX_CANDIDATES matches, then ranked: a query that matches most of the archive
# costs the same as a rare one, since ranking reads every candidate's vector. Without
# filters they come from the audience's documents alone, which know when their briefing
# went live (no briefing row is read for a match that does not make the newest); with
# filters, from the briefings the filters leave.
_NEWEST_DOCUMENTS_SQL = """
SELECT d.briefing_id, d.published_at, d.vector FROM {documents} d
WHERE d.audience = %s AND d.published_at <= %s AND d.vector @@ {query}
ORDER BY d.published_at DESC, d.briefing_id DESC LIMIT %s
"""
_NEWEST_BRIEFINGS_SQL = """
SELECT d.briefing_id, b.published_at, d.vector FROM {documents} d
JOIN ({briefings}) AS b (id, published_at) ON b.id = d.briefing_id
WHERE d.audience = %s AND d.vector @@ {query}
ORDER BY b.published_at DESC, d.briefing_id DESC LIMIT %s
"""
_RANKED_SQL = """
SELECT c.briefing_id,
       (SELECT coalesce((regexp_match(querytree({query}), '''([^'']+)'''))[1], '')) AS word
FROM ({newest}) AS c
ORDER BY ts_rank(c.vector, {query}, 1) DESC, c.published_at DESC, c.briefing_id DESC
"""

# A briefing's snippet: PostgreSQL's headline of the stretch of its document around the
# first place the query's first word appears (or its start), so the headline reads a page
# of text, not the whole briefing (it reads every word it is given). The word's stem is
# looked for as written, which finds it in most inflections: in lower case, capitalised or
# in capitals (each a plain scan), and in any other mix of cases only when none of those
# is there (lowering a whole briefing costs more than its snippet). The first word is the
# first lexeme of the query's text form ('datacentr' & 'cool'), or nothing: the ranking
# statement reads it once (`word`); worked out again for each result, it took a third of
# the page's time.
SNIPPET_BEFORE, SNIPPET_LENGTH = 80, 400
_HEADLINE_OPTIONS = (
    f"StartSel='{MARK_START}', StopSel='{MARK_STOP}', MaxWords={SNIPPET_WORDS},"
    f" MinWords={SNIPPET_WORDS // 2}, MaxFragments=2, FragmentDelimiter=' … '"
)
_SNIPPET_SQL = """(
SELECT ts_headline(%s::regconfig, substr(d.body, greatest(1, coalesce(least(
        nullif(strpos(d.body, %s), 0),
        nullif(strpos(d.body, initcap(%s)), 0),
        nullif(strpos(d.body, upper(%s)), 0)),
    strpos(lower(d.body), %s)) - %s), %s), {query}, %s)
FROM {documents} d WHERE d.briefing_id = {briefing_id} AND d.audience = %s
)"""


def _sql_names() -> dict[str, str]:
    return {
        "documents": connection.ops.quote_name(SearchDocument._meta.db_table),
        "query": _QUERY_SQL,
    }


def briefings_matching(queryset, *, text: str, audience: int, narrowed: bool = True):
    """
    The briefings of `queryset` that match `text` in the parts a reader with `audience`
    may read, best first, each with a raw `snippet` (turn it into HTML with `highlight`).
    `narrowed=False` says `queryset` is every live briefing (no filter chosen): the
    matches are then found among the search documents alone.
    """
    document = access.search_document_audience(audience)
    if connection.vendor == "postgresql":
        return Matches(queryset, text=text, document=document, narrowed=narrowed)
    queryset = queryset.annotate(
        document=FilteredRelation(
            "search_documents", condition=Q(search_documents__audience=document)
        )
    )
    return _simple_match(queryset, text).order_by("-published_at", "-pk")


class Matches:
    """
    A search's ranked matches (PostgreSQL), for a paginator. One statement finds the
    newest matches and ranks them, so their number is known without counting; each page
    then reads its briefings from `queryset`, with their snippets, so a search document
    that is behind its briefing can never show one that is not live. The ranking and the
    snippet are written out in SQL: built from ORM expressions, they took more of a
    search's time in Python than PostgreSQL took to answer them.
    """

    ordered = True

    def __init__(self, queryset, *, text: str, document: int, narrowed: bool):
        self.queryset = queryset
        self.text = text
        self.document = document
        self.ranked, self.word = self._rank(narrowed)

    def _rank(self, narrowed: bool) -> tuple[list[int], str]:
        """The matching briefings' ids, best first, and the query's first word."""
        query = [CONFIG, self.text]
        if narrowed:
            briefings = self.queryset.order_by().values_list("pk", "published_at").query
            briefings_sql, params = briefings.get_compiler(using=self.queryset.db).as_sql()
            newest = _NEWEST_BRIEFINGS_SQL.format(briefings=briefings_sql, **_sql_names())
            params = [*params, self.document, *query, MAX_CANDIDATES]
        else:
            newest = _NEWEST_DOCUMENTS_SQL.format(**_sql_names())
            params = [self.document, timezone.now(), *query, MAX_CANDIDATES]
        sql = _RANKED_SQL.format(newest=newest, **_sql_names())
        with connection.cursor() as cursor:
            cursor.execute(sql, [*query, *params, *query])
            rows = cursor.fetchall()
        return [briefing_id for briefing_id, _ in rows], (rows[0][1] if rows else "")

    def __len__(self) -> int:
        return len(self.ranked)

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        ids = self.ranked[index]
        if not ids:
            return []
        table = connection.ops.quote_name(Briefing._meta.db_table)
        column = connection.ops.quote_name(Briefing._meta.pk.column)
        # Table and column names only: every value goes in as a parameter.
        snippet = RawSQL(  # noqa: S611
            _SNIPPET_SQL.format(briefing_id=f"{table}.{column}", **_sql_names()),
            (
                CONFIG,
                *[self.word] * 4,
                SNIPPET_BEFORE,
                SNIPPET_LENGTH,
                CONFIG,
                self.text,
                _HEADLINE_OPTIONS,
                self.document,
            ),
            output_field=TextField(),
        )
        found = self.queryset.filter(AmongIds(F("pk"), ids)).annotate(snippet=snippet).order_by()
        by_id = {briefing.pk: briefing for briefing in found}
        return [by_id[pk] for pk in ids if pk in by_id]


def _simple_terms(text: str) -> tuple[list[str], list[str]]:
    """Words and quoted phrases to find, and -words to leave out (SQLite's simple syntax)."""
    try:
        tokens = shlex.split(text)
    except ValueError:  # an unclosed quote: search the words as they are
        tokens = text.replace('"', " ").split()
    wanted, unwanted = [], []
    for token in tokens:
        if token.upper() == "OR":
            continue
        if token.startswith("-"):
            if token.strip("-"):
                unwanted.append(token.lstrip("-"))
        elif token:
            wanted.append(token)
    return wanted, unwanted


def _simple_match(queryset, text):
    wanted, unwanted = _simple_terms(text)
    if not wanted:
        return queryset.none()
    for term in wanted:
        queryset = queryset.filter(_contains(term))
    for term in unwanted:
        queryset = queryset.exclude(pk__in=queryset.filter(_contains(term)).values("pk"))
    return queryset.annotate(snippet=F("document__body"))


def _contains(term):
    return (
        Q(document__title__icontains=term)
        | Q(document__summary__icontains=term)
        | Q(document__body__icontains=term)
    )


def highlight(snippet: str, text: str = "") -> SafeString:
    """
    The snippet as HTML: everything escaped, then the highlight marks turned into <mark>.
    Without marks (SQLite), cut a window around the first searched word and mark it.
    """
    snippet = snippet or ""
    if MARK_START not in snippet and text:
        snippet = _window(snippet, text)
    # Parts of the document are kept on their own lines; a snippet runs them together.
    escaped = escape(" · ".join(line.strip() for line in snippet.splitlines() if line.strip()))
    return mark_safe(  # noqa: S308 - every character of the text was escaped above
        escaped.replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>")
    )


def _window(body: str, text: str, width: int = 220) -> str:
    wanted, _ = _simple_terms(text)
    lowered = body.lower()
    hits = [(lowered.find(term.lower()), term) for term in wanted]
    hits = [(at, term) for at, term in hits if at >= 0]
    if not hits:
        return body[:width] + (" …" if len(body) > width else "")
    at, _ = min(hits)
    start = max(0, at - width // 3)
    end = min(len(body), start + width)
    excerpt = body[start:end]
    pattern = "|".join(re.escape(word) for word in sorted(wanted, key=len, reverse=True))
    marked = re.sub(pattern, lambda m: f"{MARK_START}{m.group(0)}{MARK_STOP}", excerpt, flags=re.I)
    return ("… " if start else "") + marked + (" …" if end < len(body) else "")
