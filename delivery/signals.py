"""
Every new account starts with the default delivery preferences (a weekly digest); a
briefing an editor publishes or schedules is sent as they chose (delivery.dispatch). A
change to a member's follows forgets what the follow buttons keep for them (members.caching).
"""

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from briefings.signals import briefing_published
from delivery.dispatch import dispatch_plan_on_commit
from delivery.models import DeliveryPreference, Follow
from members.caching import forget_account_now_and_on_commit


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="delivery-preference")
def preference_for_new_user(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        DeliveryPreference.objects.get_or_create(user=instance)


@receiver(briefing_published, dispatch_uid="delivery-dispatch-plan")
def dispatch_when_published(sender, briefing, **kwargs):
    # The editor's choice was stored before publishing; the dispatch waits for the commit.
    dispatch_plan_on_commit(briefing.pk)


@receiver(post_save, sender=Follow, dispatch_uid="follow-saved-forget")
@receiver(post_delete, sender=Follow, dispatch_uid="follow-deleted-forget")
def forget_follows(sender, instance, raw=False, **kwargs):
    if not raw:
        forget_account_now_and_on_commit(instance.user_id)
