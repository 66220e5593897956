import importlib

import django.contrib.postgres.fields
import django.db.models.deletion
from django.db import migrations, models

# The phrase pairs move from each search document (a tsvector of "lexeme lexeme" pairs,
# indexed once per audience: 0018) to one row per briefing holding the union over its
# documents, as integers (`hashtext` of the pair), under one GIN index. An import wrote
# 2.3 times fewer pairs index entries, and merging them took about half the time. The
# pairs only narrow a phrase search to its candidates; each reader's own document still
# decides the match (briefings.search_pairs). PostgreSQL only, like 0018: SQLite searches
# with a plain match and leaves the table empty.
PAIR_HASHES_FUNCTION = """
CREATE OR REPLACE FUNCTION briefings_pair_hashes(v tsvector) RETURNS integer[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH placed AS (SELECT lexeme, unnest(positions) AS position FROM unnest(v))
    SELECT coalesce(array_agg(DISTINCT hashtext(a.lexeme || ' ' || b.lexeme)), '{}')
    FROM placed a JOIN placed b ON b.position = a.position + 1
$$
"""

# The existing documents' pairs, worked out again from their vectors.
FILL_SQL = """
INSERT INTO briefings_searchpairs (briefing_id, pairs)
SELECT d.briefing_id, coalesce(array_agg(DISTINCT p.pair) FILTER (WHERE p.pair IS NOT NULL), '{}')
FROM briefings_searchdocument d
LEFT JOIN LATERAL unnest(briefings_pair_hashes(d.vector)) AS p(pair) ON true
WHERE d.vector IS NOT NULL
GROUP BY d.briefing_id
"""

INDEX_NAME = "briefings_searchpairs_pairs"


def per_document_pairs():
    """Migration 0018, whose functions, column contents and indexes this one replaces."""
    return importlib.import_module("briefings.migrations.0018_search_document_pairs")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(PAIR_HASHES_FUNCTION)
    schema_editor.execute(FILL_SQL)
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON briefings_searchpairs USING gin (pairs)"
    )
    per_document_pairs().backwards(apps, schema_editor)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    per_document_pairs().forwards(apps, schema_editor)
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")
    schema_editor.execute("DROP FUNCTION IF EXISTS briefings_pair_hashes(tsvector)")


class Migration(migrations.Migration):
    dependencies = [
        ("briefings", "0018_search_document_pairs"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchPairs",
            fields=[
                (
                    "briefing",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="briefings.briefing",
                    ),
                ),
                (
                    "pairs",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.IntegerField(), default=list, editable=False
                    ),
                ),
            ],
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
        migrations.RemoveField(model_name="searchdocument", name="pairs"),
        # The (briefing, audience) constraint's index serves lookups by briefing: without
        # this one, PostgreSQL reads a phrase candidate's one document, not all three.
        migrations.AlterField(
            model_name="searchdocument",
            name="briefing",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="search_documents",
                to="briefings.briefing",
            ),
        ),
    ]
