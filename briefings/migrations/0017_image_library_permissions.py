"""
The image library for the newsroom's groups: writers and editors upload images and
edit their words; deleting one is for editors (an image in use cannot be deleted).
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

WRITER_PERMISSIONS = ["view_image", "add_image", "change_image"]
EDITOR_PERMISSIONS = [*WRITER_PERMISSIONS, "delete_image"]


def grant(apps, schema_editor):
    create_permissions(global_apps.get_app_config("briefings"), apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in [("writers", WRITER_PERMISSIONS), ("editors", EDITOR_PERMISSIONS)]:
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="briefings", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=["writers", "editors"]):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="briefings", codename__in=EDITOR_PERMISSIONS
            )
        )


class Migration(migrations.Migration):
    dependencies = [("briefings", "0016_image_library")]

    operations = [migrations.RunPython(grant, revoke)]
