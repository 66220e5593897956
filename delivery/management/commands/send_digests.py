"""
`manage.py send_digests`: queue the daily and weekly digests that are due, and dispatch
any briefing whose send never ran. Run it every hour (cron, a systemd timer; `make run`
runs it in a loop); running it more often, late, or twice at once queues nothing twice.
"""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from delivery.digests import DIGEST_LIMIT, digests_queue
from delivery.dispatch import dispatches_overdue


def moment(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--at: “{value}” is not an ISO date and time.") from None
    if timezone.is_naive(parsed):
        raise CommandError("--at needs a time zone offset, e.g. 2026-12-03T08:00:00+00:00.")
    return parsed


class Command(BaseCommand):
    help = "Queue the digests that are due and dispatch briefings whose send never ran."

    def add_arguments(self, parser):
        parser.add_argument(
            "--at",
            type=moment,
            default=None,
            help="Act as if it were this moment (ISO 8601 with offset); for tests and catch-up.",
        )
        parser.add_argument(
            "--limit",
            type=int,
            default=DIGEST_LIMIT,
            help=f"Most digests to queue in this run (default {DIGEST_LIMIT}).",
        )

    def handle(self, *args, at=None, limit=DIGEST_LIMIT, **options):
        now = at or timezone.now()
        briefings = dispatches_overdue(now=now)
        digests = digests_queue(now=now, limit=limit)
        self.stdout.write(
            f"Queued {digests} digest(s); {briefings} briefing e-mail(s) from overdue sends."
        )
