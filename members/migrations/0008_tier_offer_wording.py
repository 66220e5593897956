from django.db import migrations, models

# The published site's wording contradicted itself: the Leadership Alliance pitch said
# "Sign in to unlock" and its button "Join", though it is reached by application. How a
# tier is reached is now said by members.access for each reader; the pitch says for whom
# and what. Wording staff have changed since is left as they wrote it.
OLD_PITCHES = {
    1: "Open to all readers. Unlock trend briefings after joining and signing in.",
    2: (
        "For operators, investors, and policy teams that need relationship evidence, "
        "failure paths, and source notes. Sign in to unlock."
    ),
}
OLD_JOIN_LABELS = {2: "Join Leadership Alliance"}
WORDING = {
    1: {
        "pitch": "Open to all readers: the trend briefings behind each signal.",
        "join_label": "Join Strategic Circle",
        "section_label": "Trend context",
    },
    2: {
        "pitch": (
            "For operators, investors and policy teams that need relationship evidence, "
            "failure paths and source notes."
        ),
        "join_label": "Apply for Leadership Alliance",
        "section_label": "Relationship evidence and failure paths",
    },
}


def update_wording(apps, schema_editor):
    Tier = apps.get_model("members", "Tier")
    for tier in Tier.objects.filter(audience__in=WORDING):
        wording = WORDING[tier.audience]
        if tier.pitch == OLD_PITCHES.get(tier.audience):
            tier.pitch = wording["pitch"]
        if tier.join_label == OLD_JOIN_LABELS.get(tier.audience):
            tier.join_label = wording["join_label"]
        if not tier.section_label:
            tier.section_label = wording["section_label"]
        tier.save()


class Migration(migrations.Migration):
    dependencies = [("members", "0007_email_address_for_granted_accounts")]

    operations = [
        migrations.AddField(
            model_name="tier",
            name="section_label",
            field=models.CharField(
                blank=True,
                help_text=(
                    'What this tier\'s sections hold, e.g. "Trend context": lock cards and "In '
                    'this briefing" name locked sections by it (their own headings stay '
                    "members-only)."
                ),
                max_length=80,
            ),
        ),
        migrations.RunPython(update_wording, migrations.RunPython.noop),
    ]
