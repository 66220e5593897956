"""
The creation record of every section and citation that has no history at all: parts an
import or the demo loader wrote in bulk before they recorded it. Without it, compare and
restore take a part's first edit for its first state. Each is dated at its briefing's
first version, the version imports create them with, so version 1 shows them.
"""

import itertools

from django.db import migrations
from django.db.models import Exists, Min, OuterRef
from django.utils import timezone


def record_creation(apps, schema_editor):
    first_versions = dict(
        apps.get_model("briefings", "HistoricalBriefing")
        .objects.values("id")
        .annotate(first=Min("history_date"))
        .values_list("id", "first")
    )
    now = timezone.now()
    for name in ("Section", "Citation"):
        model = apps.get_model("briefings", name)
        history = apps.get_model("briefings", f"Historical{name}")
        tracked = {f.attname for f in history._meta.concrete_fields}
        fields = [f.attname for f in model._meta.concrete_fields if f.attname in tracked]
        untracked = model.objects.exclude(Exists(history.objects.filter(id=OuterRef("pk"))))
        records = (
            history(
                history_date=first_versions.get(part.briefing_id, now),
                history_type="+",
                **{name: getattr(part, name) for name in fields},
            )
            for part in untracked.order_by("pk").iterator(chunk_size=1000)
        )
        while batch := list(itertools.islice(records, 1000)):
            history.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [("briefings", "0009_text_line_endings")]

    operations = [migrations.RunPython(record_creation, migrations.RunPython.noop)]
