import django.contrib.postgres.search
from django.db import migrations

# Search documents keep the pairs of neighbouring lexemes of their vector (`pairs`), with a
# partial GIN index per audience like the vector's (0006): a quoted phrase is looked up by
# its pairs, so only the documents that have them are checked for the phrase itself.
# PostgreSQL only: SQLite searches with a plain match. (array_to_tsvector drops repeated
# pairs itself: asking for DISTINCT took twice as long.)
AUDIENCES = (0, 1, 2)

PAIRS_FUNCTION = """
CREATE OR REPLACE FUNCTION briefings_lexeme_pairs(v tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH placed AS (SELECT lexeme, unnest(positions) AS position FROM unnest(v))
    SELECT coalesce(array_to_tsvector(array_agg(a.lexeme || ' ' || b.lexeme)), '')
    FROM placed a JOIN placed b ON b.position = a.position + 1
$$
"""

# The pairs a || b has where a ends and b begins (|| shifts b's positions past a's last):
# a document's vector is its briefing's shared vector followed by its own rest, whose
# pairs are worked out apart (briefings.search.postgres).
BOUNDARY_FUNCTION = """
CREATE OR REPLACE FUNCTION briefings_boundary_pairs(a tsvector, b tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH ending AS (SELECT lexeme, unnest(positions) AS position FROM unnest(a)),
         starting AS (SELECT lexeme, unnest(positions) AS position FROM unnest(b))
    SELECT coalesce(array_to_tsvector(array_agg(e.lexeme || ' ' || s.lexeme)), '')
    FROM ending e, starting s
    WHERE e.position = (SELECT max(position) FROM ending) AND s.position = 1
$$
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(PAIRS_FUNCTION)
    schema_editor.execute(BOUNDARY_FUNCTION)
    schema_editor.execute(
        "UPDATE briefings_searchdocument SET pairs = briefings_lexeme_pairs(vector)"
        " WHERE vector IS NOT NULL"
    )
    for audience in AUDIENCES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS briefings_searchdoc_pairs_a{audience} "
            f"ON briefings_searchdocument USING gin (pairs) WHERE audience = {audience}"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for audience in AUDIENCES:
        schema_editor.execute(f"DROP INDEX IF EXISTS briefings_searchdoc_pairs_a{audience}")
    schema_editor.execute("DROP FUNCTION IF EXISTS briefings_boundary_pairs(tsvector, tsvector)")
    schema_editor.execute("DROP FUNCTION IF EXISTS briefings_lexeme_pairs(tsvector)")


class Migration(migrations.Migration):
    dependencies = [
        ("briefings", "0017_image_library_permissions"),
    ]

    operations = [
        migrations.AddField(
            model_name="searchdocument",
            name="pairs",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
