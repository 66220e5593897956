from django.db import migrations


def backfill(apps, schema_editor):
    User = apps.get_model("members", "User")
    DeliveryPreference = apps.get_model("delivery", "DeliveryPreference")
    have = set(DeliveryPreference.objects.values_list("user_id", flat=True))
    DeliveryPreference.objects.bulk_create(
        [DeliveryPreference(user_id=pk) for pk in User.objects.values_list("pk", flat=True)
         if pk not in have],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [("delivery", "0001_initial")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
