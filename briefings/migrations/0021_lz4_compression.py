from django.db import migrations

# The long text an import writes is compressed with LZ4 rather than PostgreSQL's default
# pglz when it goes out of line (TOAST): LZ4 compresses several times faster, for files a
# little larger. Most of it is the search documents' bodies and vectors (three copies of
# a briefing's text a briefing), then the sections' Markdown and HTML. Rows written before
# keep their compression until they are written again (`manage.py reindex_search`
# rewrites every search document). PostgreSQL 14 or later built with LZ4 (Debian's and
# the official images are): on a server without it the columns keep pglz, as before, and
# SQLite compresses nothing.
COLUMNS = {
    "briefings_searchdocument": ("body", "vector"),
    "briefings_section": ("body", "body_html"),
}


# Whether the server can compress with LZ4: the setting is PostgreSQL 14's, and lists lz4
# only when the server was built with it.
LZ4_SQL = (
    "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
)


def _set_compression(schema_editor, method: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(LZ4_SQL)
        if cursor.fetchone() is None:
            return
    for table, columns in COLUMNS.items():
        changes = ", ".join(f"ALTER COLUMN {column} SET COMPRESSION {method}" for column in columns)
        schema_editor.execute(f"ALTER TABLE {table} {changes}")


def lz4(apps, schema_editor):
    _set_compression(schema_editor, "lz4")


def default(apps, schema_editor):
    _set_compression(schema_editor, "default")


class Migration(migrations.Migration):
    dependencies = [
        ("briefings", "0020_search_dated_gin_indexes"),
    ]

    operations = [
        migrations.RunPython(lz4, default, elidable=False),
    ]
