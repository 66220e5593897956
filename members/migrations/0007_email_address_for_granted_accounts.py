"""
Accounts made by `grant_membership` before it kept an allauth address row: give each its
primary address, unverified, so the first sign-in by code verifies it and signs the member
in (without the row allauth asked for a second code and left them signed out).
"""

from django.db import migrations


def add_missing_addresses(apps, schema_editor):
    User = apps.get_model("members", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    missing = User.objects.exclude(email="").filter(emailaddress__isnull=True)
    EmailAddress.objects.bulk_create(
        EmailAddress(user_id=user.pk, email=user.email.lower(), primary=True, verified=False)
        for user in missing.only("pk", "email").iterator()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0006_alter_membership_source"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(add_missing_addresses, migrations.RunPython.noop)]
