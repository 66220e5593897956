from django.db import migrations

# The wording readers see on lock cards, taken from the published site. Staff can edit it.
TIERS = [
    {
        "audience": 1,
        "name": "Strategic Circle",
        "pitch": "Open to all readers. Unlock trend briefings after joining and signing in.",
        "description": (
            "Strategic Circle is free. Join with your e-mail address to read the trend "
            "briefings behind each signal: deeper context on where a market is heading."
        ),
        "join_label": "Join Strategic Circle",
    },
    {
        "audience": 2,
        "name": "Leadership Alliance",
        "pitch": (
            "For operators, investors, and policy teams that need relationship evidence, "
            "failure paths, and source notes. Sign in to unlock."
        ),
        "description": (
            "Leadership Alliance membership is granted by the publisher after an application "
            "is approved, or by invitation. Members read everything: relationship evidence, "
            "failure paths and the notes behind every source."
        ),
        "join_label": "Join Leadership Alliance",
    },
]


def create_tiers(apps, schema_editor):
    Tier = apps.get_model("members", "Tier")
    for tier in TIERS:
        Tier.objects.update_or_create(audience=tier["audience"], defaults=tier)


class Migration(migrations.Migration):
    dependencies = [("members", "0001_initial")]

    operations = [migrations.RunPython(create_tiers, migrations.RunPython.noop)]
