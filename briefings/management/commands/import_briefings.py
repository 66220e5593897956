from django.core.management.base import BaseCommand, CommandError

from briefings.importing import briefings_import


def write_report(command, report):
    """The import report: what was created, updated, skipped and failed, and why."""
    style = command.style
    for line in report.lines():
        if line.outcome in {"created", "updated"}:
            command.stdout.write(style.SUCCESS(line.text))
        elif line.outcome == "skipped":
            command.stdout.write(style.WARNING(line.text))
        else:
            command.stderr.write(style.ERROR(line.text))
        for note in line.notes:
            command.stdout.write(f"    {note}")
    command.stdout.write(report.summary())
    if report.created_taxonomy:
        command.stdout.write("New taxonomy: " + ", ".join(report.created_taxonomy) + ".")


class Command(BaseCommand):
    help = (
        "Import briefings from .md files (YAML front matter + Markdown) and .txt page "
        "exports, given as files or folders. Each file is imported whole or not at all. "
        "See docs/import-format.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--update",
            action="store_true",
            help="Replace briefings whose slug already exists (otherwise they are skipped).",
        )

    def handle(self, *args, paths, update, **options):
        report = briefings_import(paths=paths, update=update)
        if not report.results:
            raise CommandError("No .md or .txt files found in: " + ", ".join(paths))
        write_report(self, report)
        if report.by_outcome("failed"):
            raise CommandError(f"{len(report.by_outcome('failed'))} file(s) could not be imported.")
