from django import template
from django.utils.safestring import mark_safe

from briefings import hot_paths
from briefings.images import markup
from briefings.markers import access_marker_placeholder

register = template.Library()


@register.filter
def lines(briefing, field):
    """A one-item-per-line field of a briefing as a list: `briefing|lines:"key_points"`."""
    return briefing.lines(field)


@register.filter
def time_element(moment):
    """
    A moment as a <time> element, the exact instant for machines and the day in words
    for readers, in the current time zone: `{{ briefing.published_at|time_element }}`.
    """
    if not moment:
        return ""
    return hot_paths.time_element(moment)


@register.simple_tag
def fixed_url(name):
    """`{% url name %}` for an address without arguments, reversed once per process."""
    return hot_paths.fixed_url(name)


@register.simple_tag
def fact_file_rows(briefing) -> list[dict]:
    """
    The fact file's classification: a signal brief's full panel (Category, Region, Signal
    Focus, Content Type, Primary Domain, Topic, Impact, Confidence), an article's coverage
    (Category, Region, Topic). A rationale the editor gave several facets, word for word,
    is shown under the first of them only: the reader has just read it.
    """
    term = lambda name: getattr(briefing, name)  # noqa: E731
    rows = [("Category", term("category"), "category")]
    rows.append(("Region", term("region"), "region"))
    if briefing.is_signal_brief:
        rows += [
            ("Signal Focus", briefing.signal_focus, "signal_focus"),
            ("Content Type", briefing.get_kind_display().title(), "content_type"),
            ("Primary Domain", briefing.primary_domain, "primary_domain"),
            ("Topic", term("topic"), "topic"),
            ("Impact", briefing.get_impact_display() if briefing.impact else "", "impact"),
            ("Confidence", briefing.confidence_label, "confidence"),
        ]
    else:
        rows.append(("Topic", term("topic"), "topic"))
    shown, said = [], set()
    for label, value, field in rows:
        if not value:
            continue
        url = value.get_absolute_url() if hasattr(value, "get_absolute_url") else ""
        name = getattr(value, "name", value)
        rationale = getattr(briefing, f"{field}_rationale", "").strip()
        key = " ".join(rationale.split()).casefold()
        if key in said:
            rationale = ""
        said.add(key)
        shown.append({"label": label, "value": name, "url": url, "rationale": rationale})
    return shown


@register.filter
def access_marker(briefing):
    """
    Where a card says whether the briefing has member parts and whether this reader opens
    them: a placeholder naming the gated audiences (public facts), filled for each reader
    by `briefings.reading.access_markers_fill`, so the cards stay shared by every reader.
    """
    # Digits and dots only (access_marker_placeholder): nothing from the database.
    return mark_safe(access_marker_placeholder(briefing.gated_audiences()))  # noqa: S308


@register.simple_tag
def picture(image, placement, eager=False):
    """A library image drawn at `placement` (card, lead, section): `{% picture img "card" %}`."""
    if image is None:
        return ""
    return markup.picture(image, placement=placement, eager=eager)
