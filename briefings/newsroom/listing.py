"""
The briefing change list's cells, narrow enough for the list to read at 1280 px: long
titles cut at a word with the whole title on hover, times in the editor's time zone
without the year's words, people by the name before their address's @.
"""

from django.utils import timezone
from django.utils.html import format_html, format_html_join

from members.access import Audience

TITLE_CHARS = 90


def title_cell(briefing):
    """The title, cut at a word after TITLE_CHARS characters; the whole title on hover."""
    title = briefing.title or "(untitled)"
    shown = title
    if len(title) > TITLE_CHARS:
        shown = title[: TITLE_CHARS - 1].rsplit(" ", 1)[0].rstrip(" ,;:-") + "…"
    return format_html('<span class="newsroom-cell-title" title="{}">{}</span>', title, shown)


def audience_mix_cell(briefing):
    """Sections per audience, one audience a line; the whole mix on hover."""
    counts = [(a, getattr(briefing, f"_sections_{a.value}", 0)) for a in Audience]
    shown = [(n, a.label) for a, n in counts if n]
    if not shown:
        return "no sections"
    return format_html(
        '<span class="newsroom-cell-mix" title="{}">{}</span>',
        " · ".join(f"{n} {label}" for n, label in shown),
        format_html_join("", "<span>{} {}</span>", shown),
    )


def time_cell(at):
    if at is None:
        return "—"
    local = timezone.localtime(at)
    return format_html(
        '<time class="newsroom-cell-time" datetime="{}"><span>{}</span> <span>{}</span></time>',
        at.isoformat(),
        f"{local:%Y-%m-%d}",
        f"{local:%H:%M}",
    )


def person_cell(email):
    if not email:
        return "—"
    return format_html('<span title="{}">{}</span>', email, email.partition("@")[0])
