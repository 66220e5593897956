from django.core.management.base import BaseCommand, CommandError

from briefings.importing.exporting import briefings_export


class Command(BaseCommand):
    help = (
        "Write every briefing (any status, gated sections and source notes included) to "
        "DIR as <slug>.md in the import format. The files hold member-only text: keep "
        "them private."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR")

    def handle(self, *args, directory, **options):
        try:
            written = briefings_export(directory=directory)
        except OSError as exc:
            raise CommandError(f"cannot write to {directory}: {exc.strerror}") from None
        self.stdout.write(
            self.style.SUCCESS(f"Exported {len(written)} briefing(s) to {directory}.")
        )
