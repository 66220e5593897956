"""
Reading a briefing's revision history: what it looked like at a version, and what changed
between two versions.

django-simple-history writes one row per save of a briefing, a section or a citation.
A *version* is one saved row of the briefing; the sections and citations that belong to it
are the latest saved state of each part before the next version of the briefing was saved
(the admin saves the briefing first and its sections and citations straight after, in the
same request, so they land inside that window).
"""

import copy
import difflib
import re
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef

from briefings.images.models import Image
from briefings.models import Briefing, Category, Citation, Region, Section, Source, Topic
from members.access import Audience

# Fields a version compares and restores; the rest is bookkeeping or publishing state.
CONTENT_FIELDS = [
    "kind",
    "title",
    "summary",
    "authors",
    "meta_title",
    "meta_description",
    "category",
    "region",
    "topic",
    "category_rationale",
    "region_rationale",
    "signal_focus",
    "signal_focus_rationale",
    "content_type_rationale",
    "primary_domain",
    "primary_domain_rationale",
    "topic_rationale",
    "impact",
    "impact_rationale",
    "confidence",
    "confidence_rationale",
    "reporting_summary",
    "key_points",
    "signal",
    "signal_type",
    "market_class",
    "operating_surface",
    "market_context",
    "operational_relevance",
    "time_horizon",
    "watch_items",
    "lead_image",
    "social_image",
]
# Compared (so a diff tells the whole story) but never restored: restoring old text must
# not quietly publish, unpublish or move a briefing.
STATE_FIELDS = ["status", "published_at", "slug"]
TAXONOMY = {"category": Category, "region": Region, "topic": Topic}
# Every content field that points at another row, with the field that names that row.
FOREIGN_KEYS = {**TAXONOMY, "lead_image": Image, "social_image": Image}
SECTION_FIELDS = ["heading", "audience", "position", "body"]
CITATION_FIELDS = ["source", "position", "note"]


@dataclass
class Snapshot:
    """A briefing as saved at one version, with its sections and citations then."""

    record: object  # the HistoricalBriefing row
    sections: list = field(default_factory=list)  # HistoricalSection rows, in order
    citations: list = field(default_factory=list)  # HistoricalCitation rows, in order

    @property
    def version(self) -> int:
        return self.record.version

    @property
    def unrecorded_note(self) -> str:
        """
        A warning when some of its parts were not recorded at this version (written in
        bulk, their creation was not kept, and they are shown as first recorded later).
        """
        parts = [*self.sections, *self.citations]
        count = sum(1 for r in parts if getattr(r, "first_state_unknown", False))
        if not count:
            return ""
        noun = "part was" if count == 1 else "parts were"
        return (
            f"{count} {noun} not recorded at version {self.version}: they show as they "
            "were first recorded, at a later edit, so earlier changes to them are not known."
        )


@dataclass(frozen=True)
class Segment:
    """A run of words in a text diff: kept, removed or added."""

    op: str  # "equal", "delete" or "insert"
    text: str


@dataclass
class FieldChange:
    label: str
    old: str
    new: str

    @property
    def segments(self) -> list[Segment]:
        return text_diff(self.old, self.new)


@dataclass
class PartChange:
    """A section or citation that was added, removed or changed between two versions."""

    change: str  # "added", "removed" or "changed"
    label: str
    fields: list[FieldChange] = field(default_factory=list)


@dataclass
class Comparison:
    old: Snapshot
    new: Snapshot
    fields: list[FieldChange]
    sections: list[PartChange]
    citations: list[PartChange]

    @property
    def has_changes(self) -> bool:
        return bool(self.fields or self.sections or self.citations)

    @property
    def unrecorded_notes(self) -> list[str]:
        return [note for note in (self.old.unrecorded_note, self.new.unrecorded_note) if note]


_WORDS = re.compile(r"\s+|[^\s]+")


def text_diff(old: str, new: str) -> list[Segment]:
    """Word-level differences between two texts, for <del>/<ins> rendering."""
    a, b = _WORDS.findall(old or ""), _WORDS.findall(new or "")
    segments = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(Segment("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            segments.append(Segment("delete", "".join(a[i1:i2])))
        if j2 > j1:
            segments.append(Segment("insert", "".join(b[j1:j2])))
    return segments


def versions(briefing: Briefing):
    """The briefing's saved versions, newest first, with who saved each."""
    return briefing.history.select_related("history_user").order_by("-history_date", "-history_id")


def _alive_before(records: list, until, untracked: list = ()) -> list:
    """
    From a part's history rows (oldest first), the latest state of each part saved before
    `until` (None: now), without the deleted ones, in page order.

    Parts written in bulk before imports recorded their creation (migration 0010 adds
    the record for those never changed since) have no row for it. The history cannot say
    when they appeared, so it counts them as there from the start: as they are now when
    they have no row at all, or as their first row shows them, marked
    `first_state_unknown` (that row is an edit, whose earlier text is lost).
    """
    latest = {}
    for record in records:
        if record.id not in latest and record.history_type != "+":
            latest[record.id] = copy.copy(record)
            latest[record.id].history_type = "~"
            latest[record.id].first_state_unknown = True
        if until is None or record.history_date < until:
            record.first_state_unknown = False
            latest[record.id] = record
    for record in untracked:
        latest.setdefault(record.id, record)
    alive = [record for record in latest.values() if record.history_type != "-"]
    return sorted(alive, key=lambda record: (record.position, record.id))


def _part_history(model, briefing_id: int) -> list:
    records = model.history.filter(briefing_id=briefing_id)
    return list(records.order_by("history_date", "history_id"))


def _untracked(model, briefing_id: int) -> list:
    """The briefing's parts that have no history row at all, as history-shaped records."""
    history_model = model.history.model
    fields = [f.attname for f in history_model.tracked_fields]
    parts = model.objects.filter(briefing_id=briefing_id).exclude(
        Exists(history_model.objects.filter(id=OuterRef("pk")))
    )
    return [
        history_model(history_type="~", **{name: getattr(part, name) for name in fields})
        for part in parts
    ]


def snapshot(record) -> Snapshot:
    """The briefing as saved at `record`, with the sections and citations it had then."""
    later = (
        type(record)
        .objects.filter(id=record.id, history_date__gt=record.history_date)
        .order_by("history_date", "history_id")
        .values_list("history_date", flat=True)
        .first()
    )
    return Snapshot(
        record=record,
        sections=_alive_before(
            _part_history(Section, record.id), later, _untracked(Section, record.id)
        ),
        citations=_alive_before(
            _part_history(Citation, record.id), later, _untracked(Citation, record.id)
        ),
    )


def snapshots(briefing: Briefing) -> list[Snapshot]:
    """Every version of the briefing, newest first, in five queries."""
    records = list(versions(briefing))
    sections = _part_history(Section, briefing.pk)
    citations = _part_history(Citation, briefing.pk)
    untracked_sections = _untracked(Section, briefing.pk)
    untracked_citations = _untracked(Citation, briefing.pk)
    result = []
    for i, record in enumerate(records):
        until = records[i - 1].history_date if i else None
        result.append(
            Snapshot(
                record=record,
                sections=_alive_before(sections, until, untracked_sections),
                citations=_alive_before(citations, until, untracked_citations),
            )
        )
    return result


def _raw(record, name: str):
    """A field's stored value; foreign keys by id, so nothing is fetched."""
    return getattr(record, f"{name}_id" if name in {*FOREIGN_KEYS, "source"} else name)


def _part_summary(old: list, new: list, fields: list, noun: str) -> list[str]:
    before = {r.id: r for r in old}
    after = {r.id: r for r in new}
    added = len(after.keys() - before.keys())
    removed = len(before.keys() - after.keys())
    changed = sum(
        1
        for pk in after.keys() & before.keys()
        if any(_raw(after[pk], n) != _raw(before[pk], n) for n in fields)
    )
    return [
        f"{count} {noun}{'' if count == 1 else 's'} {verb}"
        for count, verb in ((added, "added"), (removed, "removed"), (changed, "changed"))
        if count
    ]


def change_summary(old: Snapshot | None, new: Snapshot) -> list[str]:
    """A one-line account of what a version changed, from the snapshots alone (no queries)."""
    if old is None:
        return []
    fields = [
        _field_label(name)
        for name in [*STATE_FIELDS, *CONTENT_FIELDS]
        if _raw(old.record, name) != _raw(new.record, name)
    ]
    return [
        *fields,
        *_part_summary(old.sections, new.sections, SECTION_FIELDS, "section"),
        *_part_summary(old.citations, new.citations, CITATION_FIELDS, "source"),
    ]


def _display(record, name: str, names: dict) -> str:
    value = getattr(record, f"{name}_id" if name in names else name)
    if name in names:
        return names[name].get(value, f"(deleted #{value})") if value else "—"
    if value is None or value == "":
        return "—"
    display = getattr(record, f"get_{name}_display", None)
    if display is not None:
        return str(display())
    if name == "published_at":
        return f"{value:%Y-%m-%d %H:%M %Z}"
    return str(value)


def _taxonomy_names(*records) -> dict:
    """Names of the terms and images the records point at, one query each (none unused)."""
    names = {}
    for name, model in FOREIGN_KEYS.items():
        ids = {getattr(r, f"{name}_id") for r in records} - {None}
        label = "title" if model is Image else "name"
        names[name] = dict(model.objects.filter(pk__in=ids).values_list("pk", label)) if ids else {}
    return names


def _field_label(name: str) -> str:
    return str(Briefing._meta.get_field(name).verbose_name).capitalize()


def _section_display(record, name):
    if name == "audience":
        return Audience(record.audience).label
    return str(getattr(record, name) or "—")


def _compare_parts(old: list, new: list, names: list, label, display) -> list[PartChange]:
    old_by_id = {r.id: r for r in old}
    new_by_id = {r.id: r for r in new}
    changes = []
    for record in new:
        before = old_by_id.get(record.id)
        if before is None:
            changes.append(
                PartChange(
                    "added",
                    label(record),
                    [FieldChange(n.capitalize(), "", display(record, n)) for n in names],
                )
            )
            continue
        diffs = [
            FieldChange(n.capitalize(), display(before, n), display(record, n))
            for n in names
            if display(before, n) != display(record, n)
        ]
        if diffs:
            changes.append(PartChange("changed", label(record), diffs))
    changes.extend(
        PartChange(
            "removed",
            label(record),
            [FieldChange(n.capitalize(), display(record, n), "") for n in names],
        )
        for record in old
        if record.id not in new_by_id
    )
    return changes


def compare(old: Snapshot, new: Snapshot) -> Comparison:
    """What changed from `old` to `new`: briefing fields, sections and citations."""
    names = _taxonomy_names(old.record, new.record)
    fields = []
    for name in [*STATE_FIELDS, *CONTENT_FIELDS]:
        before = _display(old.record, name, names)
        after = _display(new.record, name, names)
        if before != after:
            fields.append(FieldChange(_field_label(name), before, after))

    source_ids = {c.source_id for c in [*old.citations, *new.citations]}
    sources = {s.pk: str(s) for s in Source.objects.filter(pk__in=source_ids)}

    def citation_display(record, name):
        if name == "source":
            return sources.get(record.source_id, f"(deleted source #{record.source_id})")
        return str(getattr(record, name) or "—")

    return Comparison(
        old=old,
        new=new,
        fields=fields,
        sections=_compare_parts(
            old.sections,
            new.sections,
            SECTION_FIELDS,
            lambda r: r.heading or "(section without heading)",
            _section_display,
        ),
        citations=_compare_parts(
            old.citations,
            new.citations,
            CITATION_FIELDS,
            lambda r: sources.get(r.source_id, f"(deleted source #{r.source_id})"),
            citation_display,
        ),
    )
