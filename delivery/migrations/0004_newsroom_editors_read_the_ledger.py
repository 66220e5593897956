"""
Editors read what was sent: the ledger, the send choices and the suppression list (view
only). Lifting a suppression (an unsubscribe, a bounce, a complaint) is not an editor's
decision: only those given `delivery.delete_suppression` (superusers) can.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS = "editors"
EDITOR_PERMISSIONS = ["view_delivery", "view_briefingsend", "view_suppression"]


def grant(apps, schema_editor):
    create_permissions(global_apps.get_app_config("delivery"), apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=EDITORS)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="delivery", codename__in=EDITOR_PERMISSIONS
        )
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name=EDITORS).first()
    if group is not None:
        group.permissions.remove(
            *group.permissions.filter(
                content_type__app_label="delivery", codename__in=EDITOR_PERMISSIONS
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("delivery", "0003_sending_claimed_at"),
        ("briefings", "0005_writers_and_editors_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
