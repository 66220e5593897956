"""Helpers for driving the briefings admin the way a browser form does."""

from django.urls import reverse

from briefings.models import Briefing
from briefings.revisions import CONTENT_FIELDS

# Foreign keys: the form posts their ids.
TAXONOMY = {"category", "region", "topic", "lead_image", "social_image"}


def change_url(briefing) -> str:
    return reverse("admin:briefings_briefing_change", args=[briefing.pk])


def add_url() -> str:
    return reverse("admin:briefings_briefing_add")


def _value(value):
    return "" if value is None else value


def form_data(briefing=None, *, sections=None, citations=None, **overrides) -> dict:
    """
    The POST body of the briefing change form as the browser would send it unchanged:
    every field, the hidden version, and the section and citation inlines. `sections` and
    `citations` replace the inline rows (dicts of field values; an `id` keeps a row).
    """
    data = {}
    if briefing is not None:
        for name in CONTENT_FIELDS:
            key = f"{name}_id" if name in TAXONOMY else name
            data[name] = _value(getattr(briefing, key))
        data["slug"] = briefing.slug
        data["base_version"] = briefing.version
        if briefing.published_at:
            data["published_at_0"] = briefing.published_at.strftime("%Y-%m-%d")
            data["published_at_1"] = briefing.published_at.strftime("%H:%M:%S")
        if sections is None:
            sections = [
                {
                    "id": s.pk,
                    "position": s.position,
                    "heading": s.heading,
                    "audience": s.audience,
                    "body": s.body,
                }
                for s in briefing.sections.all()
            ]
        if citations is None:
            citations = [
                {"id": c.pk, "position": c.position, "source": c.source_id, "note": c.note}
                for c in briefing.citations.all()
            ]
    else:
        data.update(kind=Briefing.Kind.ARTICLE, title="", summary="")
    sections = sections or []
    citations = citations or []
    for prefix, rows in (("sections", sections), ("citations", citations)):
        initial = sum(1 for row in rows if row.get("id"))
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": len(rows),
                f"{prefix}-INITIAL_FORMS": initial,
                f"{prefix}-MIN_NUM_FORMS": 0,
                f"{prefix}-MAX_NUM_FORMS": 1000,
            }
        )
        for i, row in enumerate(rows):
            for key, value in row.items():
                data[f"{prefix}-{i}-{key}"] = _value(value)
            if briefing is not None and briefing.pk:
                data[f"{prefix}-{i}-briefing"] = briefing.pk
    data.update(overrides)
    return data
