"""Every path that writes briefings, sections or citations rebuilds their search documents."""

import pytest
from django.db import connection
from django.urls import reverse

from briefings import workflow
from briefings.models import Briefing, SearchDocument
from briefings.search import briefings_reindex
from briefings.search.postgres import LAST_POSITION
from members.access import Audience
from tests.briefings.conftest import ALLIANCE_WORD, NOTE_WORD, build_marked_briefing
from tests.briefings.newsroom import change_url, form_data
from tests.factories import BriefingFactory, SectionFactory, StaffFactory, ready_briefing

pytestmark = pytest.mark.django_db


def documents(briefing):
    return dict(SearchDocument.objects.filter(briefing=briefing).values_list("audience", "body"))


def save_form(client, briefing, **changes):
    briefing.refresh_from_db()
    response = client.post(change_url(briefing), form_data(briefing, **changes))
    assert response.status_code == 302, response.content.decode()[:2000]
    briefing.refresh_from_db()


@pytest.fixture
def editor(client):
    user = StaffFactory(group="editors")
    client.force_login(user)
    return user


def test_saving_the_change_form_rebuilds_the_documents_per_audience(client, editor):
    briefing = ready_briefing()
    [fact] = briefing.sections.all()
    save_form(
        client,
        briefing,
        sections=[
            {
                "id": fact.pk,
                "position": 1,
                "heading": "The fact",
                "audience": 0,
                "body": "Saffron.",
            },
            {"position": 2, "heading": "Trend", "audience": 1, "body": "Marzipan members."},
            {"position": 3, "heading": "Failure", "audience": 2, "body": "Obsidian alliance."},
        ],
    )
    docs = documents(briefing)
    assert "Saffron." in docs[Audience.PUBLIC]
    assert "Marzipan" not in docs[Audience.PUBLIC] and "Obsidian" not in docs[Audience.PUBLIC]
    assert "Marzipan" in docs[Audience.STRATEGIC_CIRCLE]
    assert "Obsidian" not in docs[Audience.STRATEGIC_CIRCLE]
    assert "Obsidian" in docs[Audience.LEADERSHIP_ALLIANCE]

    workflow.briefing_publish(briefing=briefing, by=editor)
    client.logout()
    found = client.get(reverse("briefings:search"), {"q": "saffron"}).content.decode()
    assert found.count('class="search-result__title"') == 1
    assert f'href="{briefing.get_absolute_url()}"' in found


def test_restoring_a_version_rebuilds_the_documents(client, editor):
    briefing = ready_briefing(title="First headline")
    original = briefing.history.first()
    [fact] = briefing.sections.all()
    save_form(
        client,
        briefing,
        title="Second headline",
        sections=[{"id": fact.pk, "position": 1, "heading": "F", "audience": 0, "body": "Quince."}],
    )
    assert "Quince." in documents(briefing)[Audience.PUBLIC]
    workflow.briefing_restore(briefing=briefing, record=original, by=editor)
    public = SearchDocument.objects.get(briefing=briefing, audience=Audience.PUBLIC)
    assert public.title == "First headline"
    assert "Quince." not in public.body
    assert "Public text." in public.body


def test_renaming_a_category_or_a_source_rebuilds_the_documents_of_its_briefings(client, editor):
    briefing = ready_briefing()
    category, source = briefing.category, briefing.citations.get().source
    save_form(client, briefing)
    client.post(
        reverse("admin:briefings_category_change", args=[category.pk]),
        {"name": "Quayside logistics", "slug": category.slug, "description": ""},
    )
    client.post(
        reverse("admin:briefings_source_change", args=[source.pk]),
        {"title": "Harbourmaster ledger", "publisher": "Port Office", "url": source.url},
    )
    body = documents(briefing)[Audience.PUBLIC]
    assert "Quayside logistics" in body
    assert "Harbourmaster ledger" in body and "Port Office" in body
    assert Briefing.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL search vectors")
def test_each_vector_holds_exactly_the_words_of_its_own_document():
    """
    The text every audience reads is turned into a vector once and each document adds
    its own rest: every document's vector still holds exactly the lexemes of its own
    title (weight A), summary (B) and body (C), and the public one is the very vector
    its text gives.
    """
    briefing = build_marked_briefing()
    SectionFactory(briefing=briefing, position=9, heading="Outlook", body="Public closing words.")
    briefings_reindex(briefing_ids=[briefing.pk])
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT audience, vector = own,
                   tsvector_to_array(ts_filter(vector, '{a}')),
                   tsvector_to_array(ts_filter(own, '{a}')),
                   tsvector_to_array(ts_filter(vector, '{b}')),
                   tsvector_to_array(ts_filter(own, '{b}')),
                   tsvector_to_array(ts_filter(vector, '{c}')),
                   tsvector_to_array(ts_filter(own, '{c}'))
            FROM (
                SELECT audience, vector,
                       setweight(to_tsvector('english', title), 'A')
                       || setweight(to_tsvector('english', summary), 'B')
                       || setweight(to_tsvector('english', body), 'C') AS own
                FROM briefings_searchdocument WHERE briefing_id = %s
            ) AS documents
            ORDER BY audience
            """,
            [briefing.pk],
        )
        rows = cursor.fetchall()
    assert [row[0] for row in rows] == [int(audience) for audience in Audience]
    for audience, identical, *weights in rows:
        for stored, own in zip(weights[::2], weights[1::2], strict=True):
            assert set(stored) == set(own), audience
        if audience == Audience.PUBLIC:
            assert identical
    alliance = rows[-1]
    assert ALLIANCE_WORD in " ".join(alliance[-1]) and NOTE_WORD in " ".join(alliance[-1])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="phrase pairs are PostgreSQL's")
def test_every_word_past_the_last_position_a_vector_counts_gets_its_pairs():
    # PostgreSQL puts every word past position 16,383 at that position: each of them is a
    # neighbour of the word before it, and of the first word of the gated text after it.
    from tests.briefings.test_search import briefing_pairs, pair_hash

    briefing = BriefingFactory(title="Rules", summary="Chips.")
    words = " ".join(f"w{n}" for n in range(LAST_POSITION + 20))
    SectionFactory(briefing=briefing, body=words, audience=Audience.PUBLIC)
    SectionFactory(
        briefing=briefing, heading="Control", body="Tightens.", audience=Audience.STRATEGIC_CIRCLE
    )
    briefings_reindex(briefing_ids=[briefing.pk])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.lexeme, p FROM briefings_searchdocument d, unnest(d.vector) AS t,"
            " unnest(t.positions) AS p WHERE d.briefing_id = %s AND d.audience = %s"
            " AND p >= %s",
            [briefing.pk, Audience.PUBLIC, LAST_POSITION - 1],
        )
        placed = cursor.fetchall()
    before = [lexeme for lexeme, position in placed if position == LAST_POSITION - 1]
    last = [lexeme for lexeme, position in placed if position == LAST_POSITION]
    assert len(before) == 1
    assert len(last) > 20
    pairs = briefing_pairs(briefing)
    assert {pair_hash(f"{before[0]} {lexeme}") for lexeme in last} <= pairs
    assert {pair_hash(f"{lexeme} control") for lexeme in last} <= pairs


def search_rows():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT briefing_id, audience, title, summary, body, published_at, vector::text"
            " FROM briefings_searchdocument ORDER BY briefing_id, audience"
        )
        documents = cursor.fetchall()
        cursor.execute("SELECT briefing_id, pairs FROM briefings_searchpairs ORDER BY 1")
        return documents, cursor.fetchall()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="indexed apart on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_an_import_writes_the_search_documents_a_rebuild_would(tmp_path, monkeypatch):
    # An import builds a batch's documents from the objects it wrote, not read back: they
    # must be the very documents `reindex_search` makes from the database, line endings,
    # tabs, quotes and all.
    from briefings.importing import briefings_import
    from briefings.search import documents as search_documents
    from tests.briefings.test_search import BATCH_FILE

    read_back = []
    reading = search_documents._sections
    monkeypatch.setattr(
        search_documents, "_sections", lambda ids: read_back.append(ids) or reading(ids)
    )
    for n in range(5):
        (tmp_path / f"b{n}.md").write_text(BATCH_FILE.format(n=n), encoding="utf-8")
    odd = BATCH_FILE.format(n=9).replace("Operators signed", 'Operators\t"signed"  ü **bold**')
    (tmp_path / "odd.md").write_bytes(odd.replace("\n", "\r\n").encode())
    report = briefings_import(paths=[tmp_path])
    assert len(report.by_outcome("created")) == 6
    assert read_back == []
    imported = search_rows()
    assert len(imported[0]) == 18
    briefings_reindex()
    assert search_rows() == imported
