from django.db import migrations, models

# What a search result's markers ask (the audiences of the briefing's sections, whether a
# citation has a note), kept in each search document, filled in here for the documents
# written before: the same facts `BriefingQuerySet.with_gated_parts` reads, and the same
# values `briefings.search.documents` writes (bit `1 << audience` for each audience a
# section is at). Plain SQL both PostgreSQL and SQLite run.
FILL_SQL = """
UPDATE briefings_searchdocument SET
    section_audiences = coalesce((
        SELECT sum(DISTINCT 1 << s.audience) FROM briefings_section s
        WHERE s.briefing_id = briefings_searchdocument.briefing_id
    ), 0),
    has_source_notes = EXISTS (
        SELECT 1 FROM briefings_citation c
        WHERE c.briefing_id = briefings_searchdocument.briefing_id AND c.note <> ''
    )
"""


class Migration(migrations.Migration):
    dependencies = [
        ("briefings", "0021_lz4_compression"),
    ]

    operations = [
        migrations.AddField(
            model_name="searchdocument",
            name="section_audiences",
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="searchdocument",
            name="has_source_notes",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunSQL(FILL_SQL, reverse_sql=migrations.RunSQL.noop),
    ]
