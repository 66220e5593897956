"""Every new account starts with the default delivery preferences (a weekly digest)."""

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from delivery.models import DeliveryPreference


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="delivery-preference")
def preference_for_new_user(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        DeliveryPreference.objects.get_or_create(user=instance)
