"""
A page of search results, read as plain rows in one named-parameter statement.

A result line shows a briefing's headline, kind, category, publish time, summary, lead
image, snippet and which gated audiences it has (never a word of their text). Read as
model instances, with the category and image joined and the gated parts as `Exists`
annotations, building the query and the instances took more Python time than PostgreSQL
took to answer (issue 22): here the statement is written out once and each row becomes a
`Result`, which offers what briefings.search.results (and the template it replaced)
read of a briefing, and nothing else.

The page still reads only live briefings that the search's own queryset holds (its
filters included): a search document that is behind its briefing never shows one that
is no longer live.
"""

import re

from django.db import connection

from briefings.hot_paths import slug_url
from briefings.images.models import Image
from briefings.models import Briefing, Category, SearchDocument
from briefings.search import cursors, marks
from briefings.search.text import MARK_START, MARK_STOP
from members import access

SNIPPET_WORDS = 30

# A briefing's snippet: PostgreSQL's headline of the stretch of its document around the
# first place one of the query's words appears (or its start), so the headline reads a
# page of text, not the whole briefing (it reads every word it is given). The words are
# the lexemes of the query's tree that a match may hold ('nuclear' | 'batteri': both; not
# one left out, !'fibr'), so a result that matched an OR by its second word, or a query
# whose first word is left out, still shows where it matched. A stem is looked for as
# written, which finds it in most inflections, with the `i` the stemmer puts for a final
# `y` dropped ('batteri' is not in "battery"; 'batter' is): in lower case, capitalised or
# in capitals (each a plain scan), and in any other mix of cases only when none of those
# is there (lowering a whole briefing costs more than its snippet). The ranking statement
# reads the tree once rather than once per result.
SNIPPET_BEFORE, SNIPPET_LENGTH, SNIPPET_EDGE = 80, 400, 40
HEADLINE_OPTIONS = (
    f"StartSel='{MARK_START}', StopSel='{MARK_STOP}', MaxWords={SNIPPET_WORDS},"
    f" MinWords={SNIPPET_WORDS // 2}, MaxFragments=2, FragmentDelimiter=' … '"
)
# The stretch is cut from the body with a space added at each end and one character more
# on each side, then trimmed back to whole words: a cut through a word ("delayed" read as
# "ayed") drops that word's piece; a cut beside a space, or at either end, drops nothing.
# An ellipsis says where the snippet starts after the text's start or ends before its
# end (`snippet_with_ellipses`): its first characters are not the text's first, or its
# last are not the stretch's, or the stretch stops short of a mark put after the text
# (chr(1): cleaned out of every document). The statement gives those few characters with
# the headline, and Python compares them: counting each briefing's characters (`length`)
# cost a page of results about half a millisecond, comparing in SQL a fifth. Each step
# is worked out once (OFFSET 0: folded into the next, its expression was worked out at
# each mention, and the words looked for three times).
#
# Where each of the words first appears, as written, capitalised or in capitals (a slot
# with no word is NULL, which `least` passes over), then, only when none is there, in
# the lowered text. Fixed slots, not an array: unnesting one for every result cost a page
# about half a millisecond.
SNIPPET_WORDS_MAX = 4
_FIRST_SEEN = ",\n        ".join(
    f"nullif(strpos(t.body, %(word{n}{form})s), 0)"
    for n in range(SNIPPET_WORDS_MAX)
    for form in ("", "_title", "_upper")
)
_FIRST_SEEN_LOWERED = ", ".join(
    f"nullif(strpos(l.body, %(word{n})s), 0)" for n in range(SNIPPET_WORDS_MAX)
)
_SNIPPET_TEMPLATE = r"""(
SELECT ARRAY[
    ts_headline(%(config)s::regconfig, c.stretch, {query}, %(options)s),
    left(t.body, %(edge)s), CASE WHEN c.whole THEN right(c.stretch, %(edge)s) END]
FROM (SELECT d.body || '' AS body OFFSET 0) AS t,
LATERAL (SELECT greatest(1, coalesce(
    least(
        <first seen>),
    (SELECT least(<first seen lowered>) FROM (SELECT lower(t.body) AS body OFFSET 0) AS l),
    0) - %(before)s) AS at OFFSET 0) AS s,
LATERAL (SELECT strpos(r.cut, chr(1)) > 0 AS whole,
                regexp_replace(regexp_replace(r.cut, '^\S*\s', ''), '\s\S*$', '') AS stretch
         FROM (SELECT substr(' ' || t.body || ' ' || chr(1), s.at, %(length)s + 3) AS cut) AS r
         OFFSET 0) AS c
)"""
SNIPPET_SQL = _SNIPPET_TEMPLATE.replace("<first seen>", _FIRST_SEEN).replace(
    "<first seen lowered>", _FIRST_SEEN_LOWERED
)

# A lexeme of a query's tree (quotes inside it doubled), or `!`, `(`, `)`.
_TREE_TOKEN = re.compile(r"'((?:[^']|'')+)'|([!()])")


def snippet_words(tree: str) -> list[str]:
    """
    The words a snippet looks for: the lexemes of `tree` (PostgreSQL's `querytree`) not
    under a `!`, in order, once each, a stem's final `i` dropped (the stemmer's for `y`).
    """
    words: list[str] = []
    negated, bang, outer = False, False, []
    for lexeme, operator in _TREE_TOKEN.findall(tree or ""):
        if operator == "!":
            bang = True
            continue
        if operator == "(":
            outer.append(negated)
            negated = negated or bang
        elif operator == ")":
            negated = outer.pop() if outer else False
        elif not (negated or bang):
            word = lexeme.replace("''", "'")
            if len(word) > 3 and word.endswith("i"):
                word = word[:-1]
            if word not in words:
                words.append(word)
        bang = False
    return words[:SNIPPET_WORDS_MAX]


def snippet_with_ellipses(headline: str | None, text_start: str, stretch_end: str | None) -> str:
    """
    The headline, with an ellipsis where it starts after the text's start (`text_start`:
    the text's first SNIPPET_EDGE characters) or ends before its end (`stretch_end`: the
    stretch's last characters when the stretch reached the text's end, else None).
    """
    if not headline:
        return ""
    plain = headline.replace(MARK_START, "").replace(MARK_STOP, "")
    starts = text_start.startswith(plain[:SNIPPET_EDGE])
    ends = stretch_end is not None and stretch_end.endswith(plain[-SNIPPET_EDGE:])
    return ("" if starts else "… ") + headline + ("" if ends else " …")


def snippet_word_values(words: list[str]) -> dict[str, str | None]:
    """The page statement's word slots: each word as written, capitalised and in capitals."""
    values = {}
    for n in range(SNIPPET_WORDS_MAX):
        word = words[n] if n < len(words) else None
        values[f"word{n}"] = word
        values[f"word{n}_title"] = word and word.title()
        values[f"word{n}_upper"] = word and word.upper()
    return values


# The page's briefings among the live ones (`live`: the search's queryset, as SQL), with
# what their lines show, and the reader's search document of each (`d`), for its
# snippet and for which gated parts the briefing has: the audiences of its sections and
# whether a citation has a note, kept in every document (SearchDocument). Asking the
# sections and citations themselves, as the cards do, read each result's section rows
# until one at the tier turned up, and its citations: on a search's first page of older
# briefings, 90 of the statement's 135 reads from disk (docs/performance.md).
_PAGE_SQL = """
SELECT b.id, b.kind, b.title, b.slug, b.summary, b.published_at, b.lead_image_id,
       c.name, c.slug, i.alt_text, i.renditions, i.slug,
       d.section_audiences, d.has_source_notes,
       {snippet}
FROM {briefings} b
JOIN ({live}) AS live (id, published_at) ON live.id = b.id
LEFT JOIN {documents} d ON d.briefing_id = b.id AND d.audience = %(document)s
LEFT JOIN {categories} c ON c.id = b.category_id
LEFT JOIN {images} i ON i.id = b.lead_image_id
WHERE b.id = ANY(%(ids)s::bigint[])
"""


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def page_sql(query_sql: str) -> str:
    """The page statement, `{live}` left to fill; `query_sql` parses the reader's query."""
    return _PAGE_SQL.format(
        snippet=SNIPPET_SQL.format(query=query_sql),
        documents=_table(SearchDocument),
        briefings=_table(Briefing),
        categories=_table(Category),
        images=_table(Image),
        live="{live}",
    )


def results_read(ids: list[int], *, sql: str, values: dict) -> list["Result"]:
    """
    The `Result` of each of `ids` that the statement finds (`sql` from `page_sql`, its
    `{live}` filled in), in the order of `ids`. `values` holds the query's parameters
    (config, text, document, words, and the live queryset's own).
    """
    values = {
        **values,
        "ids": ids,
        "before": SNIPPET_BEFORE,
        "length": SNIPPET_LENGTH,
        "options": HEADLINE_OPTIONS,
        "edge": SNIPPET_EDGE,
        **snippet_word_values(values["words"]),
    }
    # Prepared: its plan is the same whatever the query, and parsing and planning a
    # statement this long was about a quarter of its time (briefings.search.cursors).
    with cursors.preparing_cursor() as cursor:
        cursor.execute(sql, values)
        rows = cursor.fetchall()
    by_id = {row[0]: Result.from_row(row) for row in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


_KIND_LABELS = dict(Briefing._meta.get_field("kind").flatchoices)
_RENDITIONS = Image._meta.get_field("renditions")


def _image(**values) -> Image:
    """The lead image with the fields a picture reads (the rest deferred), as `only()` makes it."""
    names = [field.attname for field in Image._meta.concrete_fields if field.attname in values]
    return Image.from_db(connection.alias, names, [values[name] for name in names])


class ResultCategory:
    """A result's category: its name and link."""

    __slots__ = ("name", "slug")

    def __init__(self, name: str, slug: str):
        self.name = name
        self.slug = slug

    def get_absolute_url(self) -> str:
        return slug_url("briefings:category", self.slug)


class Result:
    """One search result: what its line shows of a briefing, as `Briefing` names it."""

    __slots__ = (
        "category",
        "gated",
        "kind",
        "lead_image",
        "lead_image_id",
        "pk",
        "published_at",
        "slug",
        "snippet",
        "summary",
        "title",
    )

    @classmethod
    def from_row(cls, row) -> "Result":
        """A row of the page statement: the briefing's columns, then its gated parts."""
        result = cls()
        (
            result.pk,
            result.kind,
            result.title,
            result.slug,
            result.summary,
            result.published_at,
            result.lead_image_id,
            category_name,
            category_slug,
            alt_text,
            renditions,
            image_slug,
            section_audiences,
            has_source_notes,
            snippet,
        ) = row
        result.gated = access.briefing_gated_audiences(
            marks.tiers_in(section_audiences or 0),
            has_source_notes=bool(has_source_notes),
        )
        result.snippet = snippet_with_ellipses(*snippet) if snippet else ""
        result.category = (
            ResultCategory(category_name, category_slug) if category_slug is not None else None
        )
        result.lead_image = None
        if result.lead_image_id is not None:
            result.lead_image = _image(
                id=result.lead_image_id,
                alt_text=alt_text,
                renditions=_RENDITIONS.from_db_value(renditions, None, connection),
                slug=image_slug,
            )
        return result

    @property
    def id(self) -> int:
        return self.pk

    def get_absolute_url(self) -> str:
        return slug_url("briefings:detail", self.slug)

    def get_kind_display(self) -> str:
        return str(_KIND_LABELS.get(self.kind, self.kind))

    def gated_audiences(self) -> set:
        return set(self.gated)
