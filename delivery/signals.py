"""
Every new account starts with the default delivery preferences (a weekly digest); a
briefing an editor publishes or schedules is sent as they chose (delivery.dispatch).
"""

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from briefings.signals import briefing_published
from delivery.dispatch import dispatch_plan_on_commit
from delivery.models import DeliveryPreference


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="delivery-preference")
def preference_for_new_user(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        DeliveryPreference.objects.get_or_create(user=instance)


@receiver(briefing_published, dispatch_uid="delivery-dispatch-plan")
def dispatch_when_published(sender, briefing, **kwargs):
    # The editor's choice was stored before publishing; the dispatch waits for the commit.
    dispatch_plan_on_commit(briefing.pk)
