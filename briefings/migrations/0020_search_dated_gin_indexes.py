from django.db import migrations

# Each audience's GIN index holds each document's published time beside its vector
# (btree_gin, a trusted extension since PostgreSQL 13), so one index scan can find a
# query's matches among the newest documents alone (briefings.search.window). It replaces
# the vector-only index of migration 0006, which served the same queries: one index per
# audience, as before, with one more entry per document. PostgreSQL only: SQLite searches
# with a plain match.
AUDIENCES = (0, 1, 2)


def create_dated_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    for audience in AUDIENCES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS briefings_searchdoc_dated_a{audience} "
            f"ON briefings_searchdocument USING gin ((published_at AT TIME ZONE 'UTC'), vector) "
            f"WHERE audience = {audience}"
        )
        schema_editor.execute(f"DROP INDEX IF EXISTS briefings_searchdoc_vector_a{audience}")


def drop_dated_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for audience in AUDIENCES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS briefings_searchdoc_vector_a{audience} "
            f"ON briefings_searchdocument USING gin (vector) WHERE audience = {audience}"
        )
        schema_editor.execute(f"DROP INDEX IF EXISTS briefings_searchdoc_dated_a{audience}")
    schema_editor.execute("DROP EXTENSION IF EXISTS btree_gin")


class Migration(migrations.Migration):
    dependencies = [
        ("briefings", "0019_search_pairs_per_briefing"),
    ]

    operations = [
        migrations.RunPython(create_dated_indexes, drop_dated_indexes, elidable=False),
    ]
