from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from briefings import workflow
from briefings.importing import briefings_import, parse_published_at
from briefings.importing.writing import creation_history_write
from briefings.management.commands.import_briefings import write_report
from briefings.markdown import render_markdown
from briefings.models import Briefing, Section
from briefings.services import TAXONOMY_MODELS, taxonomy_get_or_create
from members.access import Audience

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"


def load_additions() -> dict:
    with (DEMO_DIR / "seed-additions.yaml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def apply_additions(briefing, additions: dict):
    """
    Our demo changes to a freshly imported seed briefing (see seed-additions.yaml). A
    briefing they publish goes live through the editorial workflow, with its checks.
    """
    for key, model in TAXONOMY_MODELS.items():
        if additions.get(key):
            setattr(briefing, key, taxonomy_get_or_create(model=model, name=additions[key])[0])
    start = briefing.sections.count()
    Section.objects.bulk_create(
        Section(
            briefing=briefing,
            position=start + offset,
            heading=section["heading"],
            body=section["body"].strip(),
            body_html=render_markdown(section["body"].strip()),
            audience=Audience.from_slug(section.get("access", "public")),
        )
        for offset, section in enumerate(additions.get("sections", []))
    )
    if additions.get("published_at"):
        briefing.published_at = parse_published_at(
            additions["published_at"], lambda key, message: _fail(message)
        )
    if additions.get("status"):
        briefing.status = additions["status"]
        if briefing.status in Briefing.LIVE_STATUSES:
            _go_live(briefing)
    briefing.save()
    # Written in bulk: their creation goes into the history after the save that adds them.
    creation_history_write(Section, briefing.sections.all())


def _go_live(briefing):
    try:
        workflow.go_live(
            briefing,
            sections=briefing.sections.all(),
            citations=briefing.citations.select_related("source"),
            at=briefing.published_at,
        )
    except ValidationError as exc:
        _fail(f"{briefing.slug} cannot go live: {' '.join(exc.messages)}")


def _fail(message):
    raise CommandError(f"seed-additions.yaml: {message}")


class Command(BaseCommand):
    help = (
        "Load the demo content: both seed page exports and our own demo briefings from "
        "briefings/demo/. Safe to run again: briefings that exist are left alone."
    )

    def handle(self, *args, **options):
        additions = load_additions()

        def on_created(document, briefing):
            extra = additions.get(Path(document.path).name)
            if extra:
                apply_additions(briefing, extra)
                document.notices.append("demo additions applied (see seed-additions.yaml)")

        report = briefings_import(paths=[DEMO_DIR], on_created=on_created)
        if report.by_outcome("failed") or (
            options["verbosity"] > 0 and report.by_outcome("created")
        ):
            write_report(self, report)
        elif options["verbosity"] > 0:
            self.stdout.write(
                f"Demo content already loaded ({len(report.by_outcome('skipped'))} briefings)."
            )
        if report.by_outcome("failed"):
            raise CommandError("Some demo files could not be loaded.")
