from django.core.management.base import BaseCommand

from organisations.reminders import licence_reminders_send


class Command(BaseCommand):
    help = (
        "E-mails renewal reminders for licences ending soon to their administrators and the "
        "membership managers, once per licence and window. Run daily; safe to run twice."
    )

    def handle(self, *args, **options):
        count = licence_reminders_send()
        self.stdout.write(f"{count} licence reminder{'s' if count != 1 else ''} sent.")
