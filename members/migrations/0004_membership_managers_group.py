from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Membership managers"

# Exactly what reviewing applications and granting, extending and ending memberships
# needs. No delete: ending a membership keeps its row, and history is never removed.
PERMISSIONS = {
    "user": ["view"],
    "membership": ["view", "add", "change"],
    "application": ["view", "change"],
    "invitation": ["view", "add", "change"],
}


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create them now so the
    # group can hold them on a fresh database.
    app_config = apps.get_app_config("members")
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = models_module or True
    try:
        create_permissions(app_config, apps=apps, verbosity=0)
    finally:
        app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    codenames = [f"{action}_{model}" for model, actions in PERMISSIONS.items() for action in actions]
    permissions = Permission.objects.filter(
        content_type__app_label="members", codename__in=codenames
    )
    group.permissions.set(permissions)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0003_applications_invitations"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
