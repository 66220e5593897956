from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Membership managers"

# Managers create, renew and end licences, verify domains, and read seats and the log.
PERMISSIONS = {
    "licence": ["view", "add", "change", "delete"],
    "verifieddomain": ["view", "add", "change", "delete"],
    "seat": ["view"],
    "licenceevent": ["view"],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("organisations")
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
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="organisations", codename__in=codenames)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name=GROUP):
        group.permissions.remove(
            *group.permissions.filter(content_type__app_label="organisations")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0001_licences_and_seats"),
        ("members", "0004_membership_managers_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
