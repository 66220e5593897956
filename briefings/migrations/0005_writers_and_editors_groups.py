"""
The newsroom's two groups, with exactly the permissions their work needs.

Writers draft briefings, maintain sources, submit for review and preview as any
audience; editors also publish, schedule, unpublish, archive and delete, and look after
the coverage taxonomy. Publishing is the `briefings.publish_briefing` permission, so only
editors hold it. Re-running the migration resets both groups to this list.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

WRITERS = "writers"
EDITORS = "editors"

WRITER_PERMISSIONS = [
    "view_briefing",
    "add_briefing",
    "change_briefing",
    "preview_briefing",
    "view_section",
    "add_section",
    "change_section",
    "delete_section",
    "view_citation",
    "add_citation",
    "change_citation",
    "delete_citation",
    "view_source",
    "add_source",
    "change_source",
    "view_category",
    "view_region",
    "view_topic",
]

EDITOR_PERMISSIONS = [
    *WRITER_PERMISSIONS,
    "delete_briefing",
    "publish_briefing",
    "delete_source",
    "add_category",
    "change_category",
    "delete_category",
    "add_region",
    "change_region",
    "delete_region",
    "add_topic",
    "change_topic",
    "delete_topic",
]


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    create_permissions(global_apps.get_app_config("briefings"), apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in [(WRITERS, WRITER_PERMISSIONS), (EDITORS, EDITOR_PERMISSIONS)]:
        permissions = list(
            Permission.objects.filter(content_type__app_label="briefings", codename__in=codenames)
        )
        missing = set(codenames) - {p.codename for p in permissions}
        if missing:
            raise RuntimeError(f"Permissions missing for group {name}: {sorted(missing)}")
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[WRITERS, EDITORS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("briefings", "0004_revision_history"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
