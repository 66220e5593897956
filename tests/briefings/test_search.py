import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from briefings.importing import briefings_import
from briefings.models import Briefing, SearchDocument, Section
from briefings.search import MARK_START, MARK_STOP, briefing_reindex, briefings_reindex, highlight
from briefings.search.postgres import WRITE_WORK_MEM
from members.access import Audience
from members.models import Membership
from tests.briefings.conftest import (
    ALL_WORDS,
    READABLE,
    build_marked_briefing,
    login_as,
)
from tests.factories import (
    BriefingFactory,
    CategoryFactory,
    CitationFactory,
    SectionFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL full-text search"
)
SEARCH = reverse("briefings:search")


def search(client, **params):
    response = client.get(SEARCH, params)
    assert response.status_code == 200
    return response


def results(response):
    """The slugs of the results, in order, as the page lists them (it may come from the cache)."""
    return re.findall(
        r'class="search-result__title"><a href="/briefings/([^/"]+)/"', response.content.decode()
    )


def without_query_echo(response, query):
    html = response.content.decode()
    html = re.sub(r"<title>.*?</title>", "", html, flags=re.S)
    html = re.sub(r"<form.*?</form>", "", html, flags=re.S)
    # "Sign in" links carry the page's own address back as ?next=.
    html = re.sub(r'next=[^"]*"', '"', html)
    return html.replace(f"“{query}”", "")


def snippet_html(response):
    html = response.content.decode()
    return " ".join(re.findall(r'class="search-result__snippet">(.*?)</p>', html, re.S))


# The access rule, channel by channel: matching and snippets.


def test_each_reader_finds_a_briefing_only_by_words_they_may_read(reader, audience):
    briefing = build_marked_briefing()
    for word in sorted(ALL_WORDS):
        response = search(reader, q=word)
        if word in READABLE[audience]:
            assert results(response) == [briefing.slug], word
        else:
            assert results(response) == [], word
            # The page echoes the query (title, search box, summary line); nothing else
            # may carry the word.
            assert word not in without_query_echo(response, word)


def test_snippets_show_only_parts_the_reader_may_read(reader, audience):
    build_marked_briefing()
    # A public word matches for everyone; the snippet is cut from that reader's document.
    response = search(reader, q="heliotrope")
    body = response.content.decode()
    assert "<mark>heliotrope</mark>" in snippet_html(response)
    for word in sorted(ALL_WORDS - READABLE[audience]):
        assert word not in body


def test_the_snippet_of_a_member_match_comes_from_the_member_part(client):
    build_marked_briefing()
    login_as(client, Audience.LEADERSHIP_ALLIANCE)
    snippet = snippet_html(search(client, q="obsidian"))
    assert "<mark>obsidian</mark>" in snippet
    assert "failure path" in snippet


def test_a_lapsed_membership_searches_as_the_public(client):
    build_marked_briefing()
    user = login_as(client, Audience.LEADERSHIP_ALLIANCE).session  # noqa: F841
    Membership.objects.update(ends_at=timezone.now() - timedelta(minutes=1))
    response = search(client, q="obsidian")
    assert results(response) == []
    assert "search-result__snippet" not in response.content.decode()


def test_unpublished_briefings_are_never_found(client):
    draft = build_marked_briefing(status=Briefing.Status.DRAFT)
    later = build_marked_briefing(
        status=Briefing.Status.SCHEDULED, published_at=timezone.now() + timedelta(days=1)
    )
    archived = build_marked_briefing(status=Briefing.Status.ARCHIVED)
    login_as(client, Audience.LEADERSHIP_ALLIANCE)
    found = results(search(client, q="heliotrope"))
    assert not {draft.slug, later.slug, archived.slug} & set(found)


@pytest.mark.parametrize("facets", [{}, {"kind": "article"}], ids=["everything", "filtered"])
def test_publishing_and_withdrawing_show_in_search_at_once(client, facets):
    briefing = build_marked_briefing(kind="article", status=Briefing.Status.DRAFT)
    assert results(search(client, q="heliotrope", **facets)) == []

    briefing.status = Briefing.Status.PUBLISHED
    briefing.save()
    assert results(search(client, q="heliotrope", **facets)) == [briefing.slug]

    briefing.status = Briefing.Status.ARCHIVED
    briefing.save()
    assert results(search(client, q="heliotrope", **facets)) == []

    briefing.status = Briefing.Status.SCHEDULED
    briefing.published_at = timezone.now() + timedelta(hours=1)
    briefing.save()
    assert results(search(client, q="heliotrope", **facets)) == []

    # Its time comes: no job runs, the search simply finds it.
    briefing.published_at = timezone.now() - timedelta(minutes=1)
    briefing.save(update_fields=["published_at"])
    assert results(search(client, q="heliotrope", **facets)) == [briefing.slug]


def test_search_documents_know_when_their_briefing_is_live():
    live = build_marked_briefing()
    draft = build_marked_briefing(status=Briefing.Status.DRAFT)
    briefings_reindex()
    assert set(live.search_documents.values_list("published_at", flat=True)) == {live.published_at}
    assert set(draft.search_documents.values_list("published_at", flat=True)) == {None}


def test_a_document_behind_its_briefing_never_shows_a_withdrawn_briefing(client):
    briefing = build_marked_briefing()
    # Withdrawn by a path that skips Briefing.save (a bulk update): its documents still
    # say it is live, but the page of results checks the briefings themselves.
    Briefing.objects.filter(pk=briefing.pk).update(status=Briefing.Status.ARCHIVED)
    assert results(search(client, q="heliotrope")) == []


def test_snippets_are_escaped_except_the_highlight(client):
    briefing = BriefingFactory(title="Escaping check")
    SectionFactory(
        briefing=briefing,
        body='The `<script>alert("x")</script>` payload: 5 < 7 & a "heliotrope" > more.',
    )
    briefing_reindex(briefing=briefing)
    response = search(client, q="heliotrope")
    snippet = snippet_html(response)
    assert "<mark>heliotrope</mark>" in snippet
    without_marks = snippet.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in without_marks and ">" not in without_marks
    assert "&amp;" in snippet


@postgres_only
@pytest.mark.parametrize("written", ["openai", "Openai", "OPENAI", "OpenAI"])
def test_the_snippet_finds_a_word_deep_in_a_long_briefing_in_any_case(client, written):
    briefing = BriefingFactory(title="Model labs", summary="Who trains what.")
    filler = "Capacity planning continues across the region this quarter. " * 60
    SectionFactory(briefing=briefing, body=f"{filler}\n\nThe {written} contract was signed.")
    briefing_reindex(briefing=briefing)
    snippet = snippet_html(search(client, q="openai"))
    assert f"<mark>{written}</mark> contract was signed" in snippet


def test_highlight_escapes_everything_but_the_marks():
    raw = f"<b>bold</b> & {MARK_START}word{MARK_STOP}"
    assert highlight(raw) == "&lt;b&gt;bold&lt;/b&gt; &amp; <mark>word</mark>"


# Web-search syntax and ranking (PostgreSQL).


@postgres_only
def test_web_search_syntax_phrases_or_and_exclusion(client):
    cranes = BriefingFactory(title="Remote cranes at the harbour", summary="Automation.")
    SectionFactory(briefing=cranes, body="Storage of cold goods grows near the harbour.")
    storage = BriefingFactory(title="Cold storage capacity", summary="Warehousing.")
    briefings_reindex()

    assert set(results(search(client, q="cold storage"))) == {cranes.slug, storage.slug}
    assert results(search(client, q='"cold storage"')) == [storage.slug]
    assert set(results(search(client, q="cranes OR warehousing"))) == {
        cranes.slug,
        storage.slug,
    }
    assert results(search(client, q="storage -cranes")) == [storage.slug]


@postgres_only
def test_phrases_are_found_through_their_pairs_exactly_as_by_their_positions(client):
    # Phrases of every shape against the same words in other orders: the pairs narrow the
    # search, the positions still decide, and each answer is what PostgreSQL's own phrase
    # match gives.
    adjacent = BriefingFactory(title="Export control tightens", summary="Rules.")
    apart = BriefingFactory(title="Control of export licences", summary="Rules.")
    stop_word = BriefingFactory(title="The state of the art", summary="Rules.")
    long_phrase = BriefingFactory(title="Chips", summary="Rules.")
    SectionFactory(briefing=long_phrase, body="New export control rules for chips.")
    briefings_reindex()
    cases = {
        '"export control"': {adjacent.slug, long_phrase.slug},
        '"control export"': set(),
        '"export control rules"': {long_phrase.slug},
        '"export control" chips': {long_phrase.slug},
        '"state of the art"': {stop_word.slug},
        '"state art"': set(),  # "of the" leaves a gap the phrase has not
        '"export control" OR licences': {adjacent.slug, long_phrase.slug, apart.slug},
        'rules -"export control"': {apart.slug, stop_word.slug},
        '"export"': {adjacent.slug, apart.slug, long_phrase.slug},
    }
    for query, expected in cases.items():
        assert set(results(search(client, q=query))) == expected, query


# Each briefing's phrase pairs, as the SQL function works them out from each of its
# documents' whole vectors, all audiences together.
UNION_OF_DOCUMENTS_PAIRS = """
SELECT count(*), count(*) FILTER (WHERE p.pairs = (
    SELECT array_agg(DISTINCT h) FROM briefings_searchdocument d,
        unnest(briefings_pair_hashes(d.vector)) AS h
    WHERE d.briefing_id = p.briefing_id
)) FROM briefings_searchpairs p
"""


def briefing_pairs(briefing) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pairs FROM briefings_searchpairs WHERE briefing_id = %s", [briefing.pk]
        )
        return set(cursor.fetchone()[0])


def pair_hash(pair: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT hashtext(%s)", [pair])
        return cursor.fetchone()[0]


def rules_with_gated_control(heading="Control"):
    """
    A briefing whose shared text ends in "export" (its topic, the last part every document
    holds) and whose Strategic Circle text, put after it, starts with `heading`.
    """
    briefing = BriefingFactory(title="Rules", summary="Chips.", topic=TopicFactory(name="Export"))
    SectionFactory(briefing=briefing, body="New rules on export", audience=Audience.PUBLIC)
    SectionFactory(
        briefing=briefing,
        heading=heading,
        body="Of chips tightens.",
        audience=Audience.STRATEGIC_CIRCLE,
    )
    briefings_reindex(briefing_ids=[briefing.pk])
    return briefing


@postgres_only
def test_each_briefings_pairs_are_those_of_all_its_documents_whole_vectors():
    # Worked out in parts (the shared text once per briefing, each document's rest, and
    # the pair where they meet): the same as from each document's own vector.
    build_marked_briefing()
    briefing = rules_with_gated_control()
    with connection.cursor() as cursor:
        cursor.execute(UNION_OF_DOCUMENTS_PAIRS)
        assert cursor.fetchone() == (2, 2)
    pairs = briefing_pairs(briefing)
    assert pair_hash("export control") in pairs  # where the shared text meets the gated
    assert pair_hash("chip tighten") in pairs  # the gated text's own
    assert pair_hash("new rule") in pairs
    assert pair_hash("rule export") not in pairs  # "on", a stop word, stands between


@postgres_only
def test_a_phrase_of_pairs_only_a_gated_document_has_is_found_only_by_its_readers(client):
    # The briefing's pairs hold "export control" (the public text's end meets the gated
    # section's start), which narrows every reader's search to it; only the document the
    # reader may read decides, and the public one has no such phrase.
    briefing = rules_with_gated_control()
    assert pair_hash("export control") in briefing_pairs(briefing)
    assert results(search(client, q='"export control"')) == []
    assert results(search(client, q='"chips tightens"')) == []
    login_as(client, Audience.STRATEGIC_CIRCLE)
    assert results(search(client, q='"export control"')) == [briefing.slug]
    assert results(search(client, q='"chips tightens"')) == [briefing.slug]


BATCH_FILE = """---
kind: signal-brief
title: Import {n} on export control
summary: Grid {n} news.
status: published
published_at: 2026-11-20T08:00:00Z
category: Datacenter
region: Europe
topic: Cooling
impact: medium
confidence: 80
sources:
  - title: Source {n}
    url: https://example.org/{n}
    note: Subsea cable notes {n}.
---

## The fact
Operators signed {n} cooling contracts.

## Outlook {{access=strategic-circle}}
The substation upgrade {n} slips.

## Failure paths {{access=leadership-alliance}}
Turbine maintenance {n} backlog grows.
"""


@postgres_only
def test_a_batch_import_finds_phrases_as_each_document_reads_them(client, tmp_path):
    # Many briefings written and indexed together: each briefing's pairs are those of its
    # own documents (none leaks from a neighbour in the batch), and phrases are found, gated
    # ones only by their readers, the pair where the shared text meets a gated section too.
    for n in range(12):
        (tmp_path / f"b{n}.md").write_text(BATCH_FILE.format(n=n), encoding="utf-8")
    report = briefings_import(paths=[tmp_path])
    assert len(report.by_outcome("created")) == 12
    assert SearchDocument.objects.count() == 36
    with connection.cursor() as cursor:
        cursor.execute(UNION_OF_DOCUMENTS_PAIRS)
        assert cursor.fetchone() == (12, 12)
    everyone = {f"import-{n}-on-export-control" for n in range(12)}
    assert set(results(search(client, q='"export control"'))) == everyone
    assert set(results(search(client, q='"cooling contracts"'))) == everyone
    assert results(search(client, q='"substation upgrade"')) == []
    login_as(client, Audience.STRATEGIC_CIRCLE)
    assert set(results(search(client, q='"substation upgrade"'))) == everyone
    assert set(results(search(client, q='"cooling outlook"'))) == everyone  # topic, then gated
    assert results(search(client, q='"maintenance backlog"')) == []


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_writing_documents_has_more_memory_for_that_transaction_alone():
    BriefingFactory(title="Grid report", summary="Power.")
    with connection.cursor() as cursor:
        cursor.execute("SHOW work_mem")
        (before,) = cursor.fetchone()
        with CaptureQueriesContext(connection) as queries:
            briefings_reindex()
        cursor.execute("SHOW work_mem")
        assert cursor.fetchone() == (before,)
    statements = [query["sql"] for query in queries]
    given = next(index for index, sql in enumerate(statements) if "set_config('work_mem'" in sql)
    assert WRITE_WORK_MEM in statements[given]
    assert "INSERT INTO" in statements[given + 1]
    assert SearchDocument.objects.count() == 3


@postgres_only
def test_the_pair_where_two_vectors_meet():
    # The shared text ends with the briefing's topic; a gated section follows it.
    assert pair_hash("export control") in briefing_pairs(rules_with_gated_control("Control"))
    stop_word_between = rules_with_gated_control("The control")
    assert pair_hash("export control") not in briefing_pairs(stop_word_between)


@postgres_only
def test_a_phrase_in_gated_text_is_found_only_by_its_readers(client):
    briefing = BriefingFactory(title="Grid report", summary="Power.")
    SectionFactory(
        briefing=briefing, body="The substation upgrade slips.", audience=Audience.STRATEGIC_CIRCLE
    )
    briefings_reindex()
    assert results(search(client, q='"substation upgrade"')) == []
    login_as(client, Audience.STRATEGIC_CIRCLE)
    assert results(search(client, q='"substation upgrade"')) == [briefing.slug]


@postgres_only
def test_title_matches_rank_above_summary_and_body_matches(client):
    in_body = BriefingFactory(title="Quarterly review", summary="Numbers.")
    SectionFactory(briefing=in_body, body="A note on lithium prices.")
    in_title = BriefingFactory(title="Lithium supply tightens", summary="Numbers.")
    in_summary = BriefingFactory(title="Battery makers", summary="Lithium contracts reset.")
    briefings_reindex()
    assert results(search(client, q="lithium")) == [in_title.slug, in_summary.slug, in_body.slug]


@postgres_only
def test_each_audience_has_its_own_partial_gin_index():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s",
            ["briefings_searchdocument"],
        )
        indexes = dict(cursor.fetchall())
    for audience in Audience:
        definition = indexes[f"briefings_searchdoc_dated_a{audience.value}"]
        assert "USING gin (((published_at AT TIME ZONE 'UTC'::text)), vector)" in definition
        assert f"WHERE (audience = {audience.value})" in definition
        assert f"briefings_searchdoc_vector_a{audience.value}" not in indexes


# Facets and pagination.


def test_facets_narrow_the_results(client):
    datacenter = CategoryFactory(name="Datacenter")
    energy = CategoryFactory(name="Energy")
    a = BriefingFactory(
        category=datacenter, impact="high", confidence=90, title="Grid one", kind="signal-brief"
    )
    b = BriefingFactory(
        category=energy, impact="low", confidence=40, title="Grid two", kind="signal-brief"
    )
    c = BriefingFactory(
        category=energy, impact="high", confidence=60, title="Grid three", kind="article"
    )
    briefings_reindex()
    assert set(results(search(client, q="grid"))) == {a.slug, b.slug, c.slug}
    assert results(search(client, q="grid", category="datacenter")) == [a.slug]
    assert set(results(search(client, q="grid", impact="high"))) == {a.slug, c.slug}
    assert results(search(client, q="grid", confidence_max="50")) == [b.slug]
    assert results(search(client, q="grid", confidence_min="50", confidence_max="75")) == [c.slug]
    assert results(search(client, q="grid", kind="article")) == [c.slug]
    # Facets alone browse the published briefings, newest first.
    assert set(results(search(client, category="energy"))) == {b.slug, c.slug}


def test_an_unknown_facet_value_is_explained_and_ignored(client):
    briefing = BriefingFactory(title="Grid one")
    briefings_reindex()
    response = search(
        client,
        q="grid",
        category="no-such\x00thing",
        impact="enormous",
        confidence_min="x\x00",
        confidence_max="101",
    )
    assert results(response) == [briefing.slug]
    body = response.content.decode()
    assert "That category is not one we know" in body
    assert "That impact is not one we know" in body
    assert "Enter a whole number. This filter is ignored." in body
    assert "less than or equal to 100. This filter is ignored." in body
    inverted = search(client, q="grid", confidence_min="80", confidence_max="20")
    assert results(inverted) == [briefing.slug]
    assert "Must not be above the upper bound." in inverted.content.decode()


def test_results_are_paginated_and_keep_the_query(client):
    for n in range(23):
        BriefingFactory(title=f"Harbour report {n}")
    briefings_reindex()
    first = search(client, q="harbour", impact="")
    assert len(results(first)) == 20
    assert "23 briefings for “harbour”, page 1 of 2." in " ".join(first.content.decode().split())
    assert "page=2" in first.content.decode() and "q=harbour" in first.content.decode()
    second = search(client, q="harbour", page="2")
    assert len(results(second)) == 3
    # A page number past the end or not a number shows a page, not an error.
    assert len(results(search(client, q="harbour", page="99"))) == 3
    assert len(results(search(client, q="harbour", page="abc\x00"))) == 20


# Bad input gives a clean page.


@pytest.mark.parametrize(
    "query",
    ['"unclosed', "-", "OR OR", "東京 データセンター", "' OR 1=1 --", "&&!!(())::**", "<b>x</b>"],
)
def test_odd_queries_give_a_clean_page(client, marked_briefing, query):
    response = search(client, q=query)
    assert "No published briefing matches" in response.content.decode() or results(response)


def test_an_empty_query_invites_a_search(client, marked_briefing):
    response = search(client, q="   ")
    assert results(response) == []
    assert "Type a few words" in response.content.decode()


def test_non_latin_words_are_found(client):
    briefing = BriefingFactory(
        title="東京 データセンター 拡張", slug="tokyo-datacentre", summary="東京 の 計画。"
    )
    briefings_reindex()
    assert results(search(client, q="東京 データセンター")) == [briefing.slug]


def test_a_very_long_query_is_refused_with_a_clear_message(client, marked_briefing):
    response = search(client, q="heliotrope " * 1000)
    body = response.content.decode()
    assert results(response) == []
    assert "Search for at most 200 characters (this search had 10999)" in body


def test_a_query_with_nul_bytes_is_refused_with_a_clear_message(client, marked_briefing):
    response = search(client, q="helio\x00trope")
    assert results(response) == []
    assert "Null characters are not allowed" in response.content.decode()


# Fixed query count.


@pytest.mark.parametrize("audience", list(Audience), ids=lambda a: a.slug)
def test_search_runs_a_fixed_number_of_queries(client, django_assert_num_queries, audience):
    login_as(client, audience)
    # On PostgreSQL the first window of the newest documents (none here: the archive is
    # smaller than one), the newest matching briefings (the candidates, which are also
    # the count), then the page of results; on SQLite the count and the page; signed
    # in, the first request also reads the user, their memberships and their follows
    # (which the key of the page kept whole names), then kept per account.
    # The session and the facet choices come from the cache, which the first search
    # after a change fills (three more queries, one per taxonomy).
    expected = 3 if connection.vendor == "postgresql" else 2
    signed_in = 0 if audience == Audience.PUBLIC else 3
    build_marked_briefing()
    with django_assert_num_queries(expected + signed_in + 3):
        search(client, q="heliotrope")
    # The same search again: the whole page is kept per reader state and address.
    with django_assert_num_queries(0):
        response = search(client, q="heliotrope")
    assert response.get("X-Reader-Page", response.get("X-Page-Cache")) == "hit"
    # Another search runs as many queries, however many briefings there are.
    with django_assert_num_queries(expected):
        search(client, q="harbour")
    for _ in range(30):
        build_marked_briefing(title="Another harbour briefing")
    client.get(SEARCH)
    with django_assert_num_queries(expected):
        response = search(client, q="heliotrope", category="", page="2")
    assert len(results(response)) == 11


# Reindexing.


def test_reindex_follows_edits_to_sections(client):
    briefing = build_marked_briefing()
    section = briefing.sections.get(heading="The fact")
    section.body = "Now about saffron instead."
    section.save()
    assert results(search(client, q="saffron")) == []  # not yet reindexed
    briefing_reindex(briefing=briefing)
    assert results(search(client, q="saffron")) == [briefing.slug]
    assert results(search(client, q="heliotrope")) == []


def test_reindex_keeps_one_document_per_audience():
    briefing = build_marked_briefing()
    briefings_reindex()
    briefings_reindex(briefing_ids=[briefing.pk])
    docs = SearchDocument.objects.filter(briefing=briefing)
    assert sorted(docs.values_list("audience", flat=True)) == [0, 1, 2]
    public = docs.get(audience=Audience.PUBLIC)
    assert "heliotrope" in public.body
    assert not {"marzipan", "obsidian", "tamarind"} & set(public.body.split())
    alliance = docs.get(audience=Audience.LEADERSHIP_ALLIANCE)
    assert {"marzipan", "obsidian", "tamarind"} <= set(re.findall(r"\w+", alliance.body))


def test_bulk_reindex_is_set_based():
    for _ in range(3):
        build_marked_briefing()
    with CaptureQueriesContext(connection) as few:
        assert briefings_reindex() == 3
    for _ in range(40):
        briefing = BriefingFactory()
        SectionFactory.create_batch(3, briefing=briefing, audience=Audience.STRATEGIC_CIRCLE)
        CitationFactory(briefing=briefing, note="A note.")
    with CaptureQueriesContext(connection) as many:
        assert briefings_reindex() == 43
    # The ids; briefings, sections, citations; the write's memory, the upsert, the vectors
    # (PostgreSQL) and the transaction's savepoint: the same handful whatever the number
    # of briefings.
    assert len(many.captured_queries) == len(few.captured_queries) <= 9, [
        q["sql"][:60] for q in many.captured_queries
    ]


def test_reindex_search_command_rebuilds_every_briefing(client, capsys):
    briefing = build_marked_briefing()
    SearchDocument.objects.all().delete()
    Section.objects.filter(briefing=briefing).update(heading="Renamed")
    call_command("reindex_search")
    assert "Reindexed 1 briefing." in capsys.readouterr().out
    assert results(search(client, q="heliotrope")) == [briefing.slug]


def test_search_pages_are_not_indexed_and_private_when_signed_in_or_in_error(client):
    # Signed out, a search is the same for every anonymous reader (the page cache keeps
    # it, as a briefing page): public. Signed in, or with an error to show, private.
    response = search(client, q="anything")
    assert response["Cache-Control"].startswith("public")
    assert '<meta name="robots" content="noindex, follow">' in response.content.decode()
    assert "private" in search(client, q="x" * 500)["Cache-Control"]
    assert "private" in search(client, q="anything", kind="no-such-kind")["Cache-Control"]
    login_as(client, Audience.STRATEGIC_CIRCLE)
    response = search(client, q="anything")
    assert response["Cache-Control"] == "private, no-store"
    assert '<meta name="robots" content="noindex, follow">' in response.content.decode()


def test_plain_text_drops_tags_keeps_words_apart_and_unescapes():
    from briefings.search import clean_text, plain_text

    html = (
        '<p>a &amp; b</p>\n<ul>\n<li><a href="https://x.org/?q=1>2" title="t>">link</a></li>\n</ul>'
    )
    assert plain_text(html) == "a & b\nlink"
    assert clean_text(f"x\x00y {MARK_START}z{MARK_STOP}  w") == "x y z w"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "a",
                "b c",
                " ",
                "  ",
                "\t",
                " \t ",
                "\n",
                "\r\n",
                "\xa0",
                "\u2028",
                "\x0b",
                "\x85",
                "\x00",
            ]
        ),
        max_size=30,
    ).map("".join)
)
def test_clean_text_collapses_every_run_of_spaces_and_tabs(value):
    from briefings.search import clean_text

    # What clean_text promises, spelled out: its regular expression skips lone spaces.
    text = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", " ", value)
    lines = [re.sub("[ \t]+", " ", line).strip() for line in text.splitlines()]
    assert clean_text(value) == "\n".join(line for line in lines if line)


def test_a_search_matching_very_many_briefings_ranks_the_newest_and_says_so(client, monkeypatch):
    from briefings import search as search_module

    monkeypatch.setattr(search_module, "MAX_CANDIDATES", 2)
    oldest, middle, newest = (
        BriefingFactory(
            title="Harbour",
            slug=f"harbour-{days}",
            published_at=timezone.now() - timedelta(days=days),
        )
        for days in (3, 2, 1)
    )
    briefings_reindex()
    response = search(client, q="harbour")
    if connection.vendor == "postgresql":
        assert set(results(response)) == {middle.slug, newest.slug}
        assert "More than 2 briefings match" in response.content.decode()
    else:  # SQLite's plain match lists every match, newest first
        assert results(response) == [newest.slug, middle.slug, oldest.slug]


IMPORTED = """---
kind: signal-brief
title: Imported harbour briefing
summary: Public words about harbour cranes.
status: published
published_at: 2026-01-05T08:00:00Z
category: Ports
impact: medium
confidence: 80
sources:
  - title: Port authority report
    url: https://example.org/port
    note: The tamarind figure is unaudited.
---

## The fact
A heliotrope rollout.

## Deeper trend context {access=strategic-circle}
Demo member text: marzipan.

## Failure paths {access=leadership-alliance}
Demo alliance text: obsidian.
"""


def test_imported_briefings_are_searchable_by_exactly_their_readers(client, tmp_path):
    from briefings.importing import briefings_import

    (tmp_path / "harbour.md").write_text(IMPORTED, encoding="utf-8")
    report = briefings_import(paths=[tmp_path])
    assert [r.outcome for r in report.results] == ["created"]
    assert results(search(client, q="heliotrope")) == ["imported-harbour-briefing"]
    for word in ("marzipan", "obsidian", "tamarind"):
        assert results(search(client, q=word)) == []
    login_as(client, Audience.LEADERSHIP_ALLIANCE)
    for word in ("marzipan", "obsidian", "tamarind"):
        assert results(search(client, q=word)) == ["imported-harbour-briefing"]


def test_the_demo_content_is_searchable_after_load_demo(client):
    call_command("load_demo", verbosity=0)
    assert SearchDocument.objects.count() == 3 * Briefing.objects.count() > 0
    assert results(search(client, q="petaflops"))


# Kept results: per reader state, never shared between audiences.


def test_results_kept_for_one_audience_are_never_shown_to_another():
    briefing = build_marked_briefing()
    readers = {audience: login_as(Client(), audience) for audience in Audience}
    # Each reader searches every marker word twice, in turn: the second answer of each
    # comes from what the first kept, and must still be that reader's own.
    for _ in range(2):
        for audience, client in readers.items():
            for word in sorted(ALL_WORDS):
                found = results(search(client, q=word))
                assert found == ([briefing.slug] if word in READABLE[audience] else []), (
                    audience,
                    word,
                )
    # A membership that ends takes the reader back to the public document at once.
    member = readers[Audience.LEADERSHIP_ALLIANCE]
    member_user = member.session["_auth_user_id"]
    Membership.objects.filter(user_id=member_user).delete()
    assert results(search(member, q="obsidian")) == []


def test_a_reindex_shows_in_kept_results_at_once(client):
    briefing = build_marked_briefing()
    assert results(search(client, q="saffron")) == []
    section = briefing.sections.get(heading="The fact")
    section.body = "Now about saffron instead."
    section.save()
    briefings_reindex(briefing_ids=[briefing.pk])
    assert results(search(client, q="saffron")) == [briefing.slug]


SNIPPET_PROSE = (
    "Operators commissioned substations, negotiated interconnection agreements and "
    "reported delayed milestones across several transmission corridors while lenders "
    "waited. "
)


@pytest.mark.parametrize("offset", range(12))
def test_snippets_are_cut_at_word_boundaries(client, offset):
    """
    However far into the text the searched word is, the snippet starts and ends on whole
    words ("… ed milestones" was a cut through "delayed").
    """
    briefing = BriefingFactory(title="Grid works", summary="Who builds what.")
    body = "x" * offset + " " + SNIPPET_PROSE * 4 + "The quokkagrid contract was signed. "
    body += SNIPPET_PROSE * 6
    SectionFactory(briefing=briefing, body=body)
    briefing_reindex(briefing=briefing)
    snippet = snippet_html(search(client, q="quokkagrid"))
    assert "<mark>quokkagrid</mark>" in snippet
    words = set(re.findall(r"[A-Za-z]+", f"Grid works. Who builds what. {body}"))
    text = re.sub(r"</?mark>", "", snippet)
    for word in re.findall(r"[A-Za-z]+", text):
        assert word in words, (word, text)


def test_the_sqlite_window_keeps_whole_words():
    from briefings.search.text import _window

    body = "Lenders reported delayed milestones " * 20 + "and the quokkagrid deal " * 3
    body += "closed after commissioned substations came online " * 20
    excerpt = _window(body, "quokkagrid")
    assert excerpt.startswith("… ") and excerpt.endswith(" …")
    inner = excerpt[2:-2].replace(MARK_START, "").replace(MARK_STOP, "")
    words = set(body.split())
    assert all(word in words for word in inner.split()), inner
    assert _window("Lenders reported delayed milestones " * 20, "absent").endswith("milestones …")
