from django.core.management.base import BaseCommand

from briefings.search import briefings_reindex_all


class Command(BaseCommand):
    help = (
        "Rebuild every briefing's search documents (one per audience). Safe to run at any "
        "time; run it after changing briefings outside the site, the importer or admin."
    )

    def handle(self, *args, **options):
        count = briefings_reindex_all()
        self.stdout.write(
            self.style.SUCCESS(f"Reindexed {count} briefing{'s' if count != 1 else ''}.")
        )
