"""
Writing briefings in the `.md` import format, complete: gated sections and source notes
included, so an export imported into an empty database gives the same briefings.
Exports are for editors and operators; they never go to readers.
"""

from pathlib import Path

import yaml
from django.db.models import Prefetch

from briefings.importing.frontmatter import CHOICE_KEYS, LIST_KEYS, TEXT_KEYS
from briefings.models import Briefing, Citation
from members import access
from members.access import Audience


def export_queryset():
    return (
        Briefing.objects.order_by("slug")
        .select_related("category", "region", "topic", "lead_image", "social_image")
        .prefetch_related(
            "sections", Prefetch("citations", queryset=Citation.objects.select_related("source"))
        )
    )


def _front_matter(briefing: Briefing) -> dict:
    data = {
        "kind": briefing.kind,
        "title": briefing.title,
        "slug": briefing.slug,
        "summary": briefing.summary,
        "status": briefing.status,
    }
    if briefing.published_at:
        data["published_at"] = briefing.published_at.isoformat()
    if briefing.authors:
        data["authors"] = briefing.authors
    for key in ("category", "region", "topic"):
        term = getattr(briefing, key)
        if term is not None:
            data[key] = term.name
    for key in ("lead_image", "social_image"):
        image = getattr(briefing, key)
        if image is not None:
            data[key] = image.slug
    _add_fields(data, briefing)
    sources = [_source_entry(citation) for citation in briefing.citations.all()]
    if sources:
        data["sources"] = sources
    return data


def _add_fields(data: dict, briefing: Briefing) -> None:
    """The choice, confidence, text and list fields the briefing has, in the format's order."""
    for key, (field_name, _choices) in CHOICE_KEYS.items():
        if key not in data and getattr(briefing, field_name):
            data[key] = getattr(briefing, field_name)
    if briefing.confidence is not None:
        data["confidence"] = briefing.confidence
    for key, field_name in TEXT_KEYS.items():
        if key not in data and getattr(briefing, field_name):
            data[key] = getattr(briefing, field_name)
    for key, field_name in LIST_KEYS.items():
        items = [line.strip() for line in getattr(briefing, field_name).splitlines()]
        if any(items):
            data[key] = [item for item in items if item]


def _source_entry(citation: Citation) -> dict:
    source = citation.source
    entry = {"title": source.title}
    if source.publisher:
        entry["publisher"] = source.publisher
    if source.url:
        entry["url"] = source.url
    if source.published_on:
        entry["published_on"] = source.published_on.isoformat()
    if citation.note:
        entry["note"] = citation.note
    return entry


def _heading_line(section) -> str:
    audience = Audience(section.audience)
    # An untitled section after the first needs a marker, or it would run into the one
    # before: `## {access=public}`.
    attributes = (
        f"{{access={audience.slug}}}" if access.is_gated(audience) or not section.heading else ""
    )
    return " ".join(part for part in ("##", section.heading, attributes) if part)


def briefing_to_markdown(briefing: Briefing) -> str:
    front_matter = yaml.safe_dump(
        _front_matter(briefing), sort_keys=False, allow_unicode=True, width=100
    )
    blocks = [f"---\n{front_matter}---\n"]
    for index, section in enumerate(briefing.sections.all()):
        opening = index == 0 and not section.heading and not access.is_gated(section.audience)
        lines = [] if opening else [_heading_line(section)]
        if section.body.strip():
            lines.append(section.body.strip("\n"))
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def briefings_export(*, directory) -> list[Path]:
    """Write every briefing, whatever its status, to `directory` as `<slug>.md`."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for briefing in export_queryset():
        path = directory / f"{briefing.slug}.md"
        path.write_text(briefing_to_markdown(briefing), encoding="utf-8")
        written.append(path)
    return written
