"""
The editor's choice of who gets a briefing by e-mail, and sending it when it goes live.

The choice (`BriefingSend`) is made in the newsroom on publishing or scheduling. When an
editor publishes (`briefings.signals.briefing_published`), the dispatch is planned once
the transaction commits: a briefing live now is dispatched by a task queued at once; a
scheduled one by a task deferred to its publish time. The task decides again when it runs
(`briefing_dispatch`): the briefing must be live and its choice still pending, so a task
left behind by a rescheduled or unpublished briefing does nothing. `send_digests` runs
`dispatches_overdue` as a safety net for a task that never ran.

The fan-out is set-based (delivery.recipients) and goes through `deliveries_queue`: one
ledger row per person, unique for the reason `briefing:<id>`, so nothing is sent twice.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from briefings.models import Briefing
from delivery import recipients
from delivery.models import BriefingSend, Delivery
from delivery.sending import deliveries_queue

logger = logging.getLogger(__name__)

# The safety net sends a briefing whose dispatch never ran only this long after it went
# live; older news is left alone (the send report shows it was never dispatched).
DISPATCH_GRACE = timedelta(days=2)

Recipients = BriefingSend.Recipients


def briefing_key(briefing_id: int) -> str:
    return f"briefing:{briefing_id}"


def briefing_send_choose(*, briefing: Briefing, recipients: str, tier=None, by) -> BriefingSend:
    """
    Record the editor's choice for `briefing`. Once its dispatch has run the choice is
    history and stays as it was; an unchanged choice keeps who made it and when.
    """
    tier = tier if recipients == Recipients.TIER else None
    with transaction.atomic():
        send = BriefingSend.objects.select_for_update().filter(briefing=briefing).first()
        if send is not None and (
            send.dispatched_at is not None or (send.recipients, send.tier) == (recipients, tier)
        ):
            return send
        send = send or BriefingSend(briefing=briefing)
        send.recipients, send.tier = recipients, tier
        send.chosen_by, send.chosen_at = by, timezone.now()
        send.save()
        return send


def briefing_dispatch(*, briefing_id: int, now=None) -> int:
    """
    Write the ledger rows of `briefing_id`'s send if it is live at `now` and its choice is
    still pending; returns how many recipients were queued (0 when there is nothing to do).
    """
    now = now or timezone.now()
    with transaction.atomic():
        send = (
            BriefingSend.objects.select_for_update(of=("self",))
            .select_related("briefing__category", "briefing__region", "briefing__topic")
            .filter(briefing_id=briefing_id, dispatched_at__isnull=True)
            .first()
        )
        if send is None or send.recipients == Recipients.NOBODY:
            return 0
        briefing = send.briefing
        if not briefing.is_live(now):
            return 0
        if send.recipients == Recipients.TIER:
            user_ids = recipients.tier_member_ids(send.tier, now=now)
        else:
            user_ids = recipients.follower_ids(briefing, now=now)
        key = briefing_key(briefing.pk)
        queued = deliveries_queue(
            Delivery(
                user_id=user_id,
                key=key,
                kind=Delivery.Kind.BRIEFING,
                briefing=briefing,
                reason=send.recipients,
            )
            for user_id in user_ids
        )
        send.dispatched_at = now
        send.save(update_fields=["dispatched_at"])
    logger.info("briefing %s dispatched to %s recipients", briefing_id, queued)
    return queued


@task()
def briefing_dispatch_task(briefing_id: int) -> int:
    return briefing_dispatch(briefing_id=briefing_id)


def dispatch_plan(briefing_id: int) -> None:
    """
    Queue the dispatch of a briefing just published or scheduled: at once when it is live,
    deferred to its publish time otherwise. Call after the transaction commits.
    """
    briefing = Briefing.objects.filter(pk=briefing_id).only("status", "published_at").first()
    live_from = briefing.live_from if briefing is not None else None
    if live_from is None:
        return
    if live_from <= timezone.now():
        briefing_dispatch_task.enqueue(briefing_id)
    elif briefing_dispatch_task.get_backend().supports_defer:
        briefing_dispatch_task.using(run_after=live_from).enqueue(briefing_id)
    else:
        # A backend that runs tasks at once cannot wait: `send_digests` dispatches it.
        logger.info("briefing %s: dispatch left to send_digests (no deferred tasks)", briefing_id)


def dispatch_plan_on_commit(briefing_id: int) -> None:
    """Plan the dispatch once the surrounding transaction commits, if a send is pending."""
    pending = (
        BriefingSend.objects.filter(briefing_id=briefing_id, dispatched_at__isnull=True)
        .exclude(recipients=Recipients.NOBODY)
        .exists()
    )
    if pending:
        transaction.on_commit(lambda: dispatch_plan(briefing_id))


def dispatches_overdue(*, now=None) -> int:
    """
    The safety net: dispatch every briefing live at `now` (since at most DISPATCH_GRACE)
    whose choice is still pending, because its task was lost. Returns recipients queued.
    """
    now = now or timezone.now()
    live = Briefing.objects.published(at=now).filter(published_at__gte=now - DISPATCH_GRACE)
    overdue = (
        BriefingSend.objects.filter(dispatched_at__isnull=True, briefing__in=live)
        .exclude(recipients=Recipients.NOBODY)
        .values_list("briefing_id", flat=True)
    )
    return sum(briefing_dispatch(briefing_id=briefing_id, now=now) for briefing_id in overdue)
