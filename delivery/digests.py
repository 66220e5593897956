"""
Daily and weekly digests, queued by `manage.py send_digests` (run hourly by cron, a
systemd timer, or `make run`'s loop).

A member's digest is due once their local time (their preference's time zone) has reached
their digest hour today (weekly: on their weekday this ISO week). Its period ends at that
moment and starts at the previous one, so each briefing that went live is in exactly one
daily and one weekly digest, whenever the command happens to run. The ledger key names
the period (`digest:daily:2026-12-03`, `digest:weekly:2026-W49`) and is unique per
member, so running the command again, late or twice at once, queues nothing twice.

A digest lists the period's briefings the member follows (category, region or topic) and
those their saved searches find, matched in the search document of the member's own
audience (`recipients.saved_search_matches`); every briefing of the period when they
follow nothing and have saved no search.

Work is set-based: members are grouped by (cadence, time zone, hour, weekday), and each
group costs a few queries however many members it has (their follows and saved searches
are read a chunk of `CHUNK` members at a time); a run queues at most `limit`.
"""

import logging
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone

from briefings.models import Briefing
from delivery import recipients
from delivery.models import Delivery, DeliveryPreference, Follow
from delivery.sending import deliveries_queue

logger = logging.getLogger(__name__)

Cadence = DeliveryPreference.Cadence
DIGEST_CADENCES = (Cadence.DAILY, Cadence.WEEKLY)
# Most digests one run queues; the rest are queued by the next run (their period lasts).
DIGEST_LIMIT = 50_000
CHUNK = 2_000


@dataclass(frozen=True)
class Period:
    """One digest's period: briefings live from `start` (inclusive) to `end` (exclusive)."""

    key: str
    start: datetime
    end: datetime


def digest_period(cadence: str, tz_name: str, hour: int, weekday: int, now) -> Period | None:
    """The period whose digest is due at `now` for these preferences, or None before it."""
    tz = zoneinfo.ZoneInfo(tz_name)
    local = now.astimezone(tz)
    day = local.date()
    if cadence == Cadence.WEEKLY:
        day -= timedelta(days=local.weekday() - weekday)
    end = datetime.combine(day, time(hour), tzinfo=tz)
    if local < end:
        return None
    if cadence == Cadence.DAILY:
        start = datetime.combine(day - timedelta(days=1), time(hour), tzinfo=tz)
        return Period(f"digest:daily:{day.isoformat()}", start, end)
    start = datetime.combine(day - timedelta(days=7), time(hour), tzinfo=tz)
    year, week, _ = day.isocalendar()
    return Period(f"digest:weekly:{year}-W{week:02d}", start, end)


def digests_queue(*, now=None, limit: int = DIGEST_LIMIT) -> int:
    """Queue every digest due at `now` that is not in the ledger yet; returns how many."""
    now = now or timezone.now()
    # A daily digest's weekday does not matter: one group per time zone and hour.
    groups = sorted(
        {
            (cadence, tz_name, hour, weekday if cadence == Cadence.WEEKLY else 0)
            for cadence, tz_name, hour, weekday in DeliveryPreference.objects.filter(
                cadence__in=DIGEST_CADENCES
            )
            .order_by()
            .values_list("cadence", "timezone", "digest_hour", "digest_weekday")
            .distinct()
        }
    )
    windows: dict[tuple, list[tuple]] = {}
    queued = 0
    for cadence, tz_name, hour, weekday in groups:
        try:
            period = digest_period(cadence, tz_name, hour, weekday, now)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            logger.warning("digests: unknown time zone %r skipped", tz_name)
            continue
        if period is None:
            continue
        group = {"cadence": cadence, "timezone": tz_name, "digest_hour": hour}
        if cadence == Cadence.WEEKLY:
            group["digest_weekday"] = weekday
        window = windows.get((period.start, period.end))
        if window is None:
            window = windows[(period.start, period.end)] = _briefings_live(period, now)
        if window:
            queued += _queue_group(group, period, window, now=now, limit=limit - queued)
        if queued >= limit:
            logger.info("digests: limit of %s reached; the next run queues the rest", limit)
            break
    return queued


def _briefings_live(period: Period, now) -> list[Briefing]:
    """The briefings that went live in `period`, newest first, with their taxonomy."""
    return list(
        Briefing.objects.published(at=now)
        .filter(published_at__gte=period.start, published_at__lt=period.end)
        .select_related(*Follow.TARGETS)
        .order_by("-published_at", "-pk")
    )


def _queue_group(group: dict, period: Period, window: list[Briefing], *, now, limit: int) -> int:
    """Queue the digests of one preference group's members who have none for `period`."""
    already = Delivery.objects.filter(user=OuterRef("pk"), key=period.key)
    user_ids = list(
        recipients.reachable_users()
        .filter(recipients.members_at(now), ~Exists(already))
        .filter(**{f"delivery_preference__{name}": value for name, value in group.items()})
        .order_by("pk")
        .values_list("pk", flat=True)[: max(limit, 0)]
    )
    queued = 0
    for start in range(0, len(user_ids), CHUNK):
        chunk = user_ids[start : start + CHUNK]
        follows = _follows(chunk)
        searches = recipients.saved_search_matches(window, chunk, now=now)
        rows = []
        for user_id in chunk:
            items = _items(window, follows.get(user_id), searches.get(user_id))
            if items:
                rows.append(
                    Delivery(
                        user_id=user_id,
                        key=period.key,
                        kind=Delivery.Kind.DIGEST,
                        reason=group["cadence"],
                        items=items,
                    )
                )
        if rows:
            queued += deliveries_queue(rows)
    return queued


def _follows(user_ids: list[int]) -> dict[int, set[tuple[str, int]]]:
    """Each member's follows as (kind, id) pairs."""
    found: dict[int, set[tuple[str, int]]] = {}
    rows = Follow.objects.filter(user_id__in=user_ids).values_list(
        "user_id", *(f"{name}_id" for name in Follow.TARGETS)
    )
    for user_id, *targets in rows:
        pairs = found.setdefault(user_id, set())
        pairs.update(
            (name, value) for name, value in zip(Follow.TARGETS, targets, strict=True) if value
        )
    return found


def _items(
    window: list[Briefing], follows: set[tuple[str, int]] | None, found: set[int] | None
) -> list[int]:
    """
    The ids of the window's briefings a member follows or their saved searches `found`
    (None: they saved none); all of them when they neither follow nor saved a search.
    """
    if not follows and found is None:
        return [briefing.pk for briefing in window]
    follows, found = follows or set(), found or set()
    return [
        briefing.pk
        for briefing in window
        if briefing.pk in found
        or any((name, getattr(briefing, f"{name}_id")) in follows for name in Follow.TARGETS)
    ]
