"""Long text written by imports and reindexing is compressed with LZ4 (migration 0021)."""

import importlib

import pytest
from django.db import connection

from briefings.search import briefings_reindex
from members.access import Audience
from tests.factories import BriefingFactory, SectionFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="column compression is PostgreSQL's"
    ),
]

migration = importlib.import_module("briefings.migrations.0021_lz4_compression")

COMPRESSION_SQL = """
SELECT c.relname, a.attname, a.attcompression FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
WHERE (c.relname, a.attname) IN (
    ('briefings_searchdocument', 'body'), ('briefings_searchdocument', 'vector'),
    ('briefings_section', 'body'), ('briefings_section', 'body_html')
)
"""


def compression() -> dict[tuple[str, str], str]:
    with connection.cursor() as cursor:
        cursor.execute(COMPRESSION_SQL)
        return {(table, column): method for table, column, method in cursor.fetchall()}


def test_search_documents_and_sections_are_set_to_lz4():
    assert compression() == {
        ("briefings_searchdocument", "body"): "l",
        ("briefings_searchdocument", "vector"): "l",
        ("briefings_section", "body"): "l",
        ("briefings_section", "body_html"): "l",
    }


def test_a_long_search_document_is_stored_with_lz4():
    briefing = BriefingFactory(title="Grid", summary="Cooling.")
    words = " ".join(f"datacentre{n} cooling grid" for n in range(2000))
    SectionFactory(briefing=briefing, body=words, audience=Audience.PUBLIC)
    briefings_reindex(briefing_ids=[briefing.pk])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_compression(body), pg_column_compression(vector)"
            " FROM briefings_searchdocument WHERE briefing_id = %s",
            [briefing.pk],
        )
        rows = cursor.fetchall()
    assert rows
    assert set(rows) == {("lz4", "lz4")}


def test_the_migration_goes_back_to_the_default_compression():
    with connection.schema_editor() as schema_editor:
        migration.default(None, schema_editor)
    assert set(compression().values()) == {""}
    with connection.schema_editor() as schema_editor:
        migration.lz4(None, schema_editor)
    assert set(compression().values()) == {"l"}
