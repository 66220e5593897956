"""
`manage.py send_due_emails`: the safety net of briefing e-mail sending, for cron or a
systemd timer (every few minutes). Rows a dead worker left being handed to SMTP are
marked failed (never resent blindly), and queued rows whose retry time has passed get a
send task again, in case the deferred one was lost. Send tasks do both on their own; this
covers a quiet queue and task backends that cannot defer.
"""

from django.core.management.base import BaseCommand

from delivery.sending import deliveries_recover_stale, deliveries_send_due


class Command(BaseCommand):
    help = "Fail e-mails a dead worker left half-sent; queue again those due for a retry."

    def handle(self, *args, **options):
        stale = deliveries_recover_stale()
        due = deliveries_send_due()
        self.stdout.write(f"{stale} interrupted e-mails marked failed, {due} due e-mails queued.")
