"""
The `.txt` page exports. Either the text of a briefing page as a reader saw it (a
breadcrumb such as "Signal briefing / Datacenter", the title, the classification panel
and so on: seed 001), or an older system's article export (a standfirst line, then one
paragraph per line, sometimes the whole body twice: seed 000).

Whatever the parser had to decide (a derived title, a dropped repeat, gated parts whose
text the export does not carry) is recorded as a notice for the import report.
"""

import re
from dataclasses import dataclass

from django.utils import timezone

from briefings.fields import newlines_normalised
from briefings.importing.documents import (
    PUBLISHED_AS_OF,
    BriefingDocument,
    BriefingFileError,
    SectionDocument,
    SourceDocument,
)
from briefings.models import Briefing

BULLET_RE = re.compile(r"^\s*[•\u2022*\-]\s+")
BREADCRUMB_RE = re.compile(r"^(?P<kind>[^/]{3,40}?)\s+/\s+(?P<category>.{2,120})$")
KIND_LABELS = {
    "signal briefing": Briefing.Kind.SIGNAL_BRIEF,
    "signal brief": Briefing.Kind.SIGNAL_BRIEF,
    "article": Briefing.Kind.ARTICLE,
}
# The classification panel as the page prints it: the label runs into its value.
CLASSIFICATION_LABELS = [
    ("Signal Focus", "signal_focus"),
    ("Content Type", "content_type"),
    ("Primary Domain", "primary_domain"),
    ("Confidence", "confidence"),
    ("Category", "category"),
    ("Region", "region"),
    ("Impact", "impact"),
    ("Topic", "topic"),
]
LIST_HEADINGS = {
    "signal brief": "signal_brief",
    "operating surface": "operating_surface",
    "market context": "market_context",
    "what to watch": "watch_items",
}
PAGE_CHROME = re.compile(r"^(Back)?\s*(More Coverage:.*)?$")


@dataclass
class Block:
    line: int
    text: str

    @property
    def is_bullet(self) -> bool:
        return bool(BULLET_RE.match(self.text))

    @property
    def item(self) -> str:
        return BULLET_RE.sub("", self.text).strip()


def _blocks(text: str) -> list[Block]:
    return [
        Block(line=number, text=line.strip())
        for number, line in enumerate(text.split("\n"), start=1)
        if line.strip()
    ]


def parse_page_export(text: str, *, path) -> BriefingDocument:
    blocks = _blocks(newlines_normalised(text))
    if not blocks:
        raise BriefingFileError(path, 1, "the file is empty: there is no briefing to import")
    crumb = BREADCRUMB_RE.match(blocks[0].text)
    if crumb and len(blocks[0].text) <= 80 and not blocks[0].text.endswith("."):
        if not _kind_from_label(crumb.group("kind")):
            kinds = ", ".join(sorted({label.title() for label in KIND_LABELS}))
            raise BriefingFileError(
                path,
                blocks[0].line,
                f"unknown kind {crumb.group('kind')!r} in the breadcrumb; expected one of: {kinds}",
            )
        return _parse_briefing_page(blocks, path=path)
    return _parse_article_export(text, blocks, path=path)


def _kind_from_label(label: str):
    return KIND_LABELS.get(label.strip().lower())


def derive_title(standfirst: str, *, limit: int = 150) -> str:
    """
    A headline from a standfirst: its first clause (up to the first comma or the end of
    the first sentence), shortened at a word boundary if still too long.
    """
    sentence = re.split(r"(?<=[.!?])\s", standfirst.strip(), maxsplit=1)[0].rstrip(".!?")
    clause = sentence.split(", ")[0]
    title = clause if len(clause.split()) >= 5 else sentence
    if len(title) > limit:
        title = title[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return title


def find_repeated_tail(paragraphs: list[str]) -> int:
    """
    How many paragraphs at the end repeat, word for word, the ones just before them
    (the longest such run); 0 when the text does not end in a repeat.
    """
    count = len(paragraphs)
    for size in range(count // 2, 0, -1):
        if paragraphs[count - size :] == paragraphs[count - 2 * size : count - size]:
            return size
    return 0


def _parse_article_export(text: str, blocks: list[Block], *, path) -> BriefingDocument:
    standfirst, paragraphs = blocks[0], blocks[1:]
    if not paragraphs:
        raise BriefingFileError(
            path,
            standfirst.line,
            "only one line of text: a page export has a standfirst and then the body",
        )
    if len(standfirst.text) < 20 or standfirst.is_bullet:
        raise BriefingFileError(
            path, standfirst.line, "the first line is not a standfirst: this is not a briefing"
        )
    document = BriefingDocument(path=str(path))
    title = derive_title(standfirst.text)
    document.fields.update(
        kind=Briefing.Kind.ARTICLE,
        title=title,
        summary=standfirst.text,
        status=Briefing.Status.DRAFT,
    )
    document.notices.append(
        f"the export has no title: derived {title!r} from the standfirst; "
        "imported as a draft for an editor to review"
    )
    repeated = find_repeated_tail([block.text for block in paragraphs])
    if repeated:
        first, copy = paragraphs[-2 * repeated], paragraphs[-repeated]
        document.notices.append(
            f"the body is repeated: lines {copy.line}-{paragraphs[-1].line} copy lines "
            f"{first.line}-{paragraphs[-repeated - 1].line} word for word; "
            "the second copy was dropped"
        )
        paragraphs = paragraphs[:-repeated]
    lines = text.split("\n")
    blank_tail = len(lines) - len("\n".join(lines).rstrip().split("\n"))
    if text.endswith("\n"):
        blank_tail -= 1  # the last line's own line break
    if blank_tail > 0:
        document.notices.append(f"{blank_tail} trailing blank lines ignored")
    document.sections = [
        SectionDocument(
            heading="",
            body="\n\n".join(block.text for block in paragraphs),
            line=paragraphs[0].line,
        )
    ]
    return document


class _Cursor:
    def __init__(self, blocks, path):
        self.blocks = blocks
        self.index = 0
        self.path = path

    @property
    def done(self) -> bool:
        return self.index >= len(self.blocks)

    def peek(self, offset=0) -> Block | None:
        position = self.index + offset
        return self.blocks[position] if position < len(self.blocks) else None

    def take(self) -> Block:
        block = self.blocks[self.index]
        self.index += 1
        return block

    def fail(self, block, message):
        raise BriefingFileError(self.path, block.line if block else None, message)


def _classification_label(text: str):
    for label, key in CLASSIFICATION_LABELS:
        if not text.startswith(label):
            continue
        # The page runs the label into its value ("RegionAsia Pacific"); a colon also
        # works. "Regional competition…" or "Impact on…" are prose, not panel rows.
        rest = text[len(label) :]
        value = rest[1:].strip() if rest.startswith(":") else rest
        if (
            value
            and (value[0].isupper() or value[0].isdigit())
            and len(value) <= 80
            and not value.endswith(".")
        ):
            return label, key, value
    return None


def _looks_like_heading(block: Block) -> bool:
    return (
        not block.is_bullet
        and len(block.text) <= 80
        and not re.search(r"[.!?:;,]$", block.text)
        and _classification_label(block.text) is None
    )


def _parse_briefing_page(blocks: list[Block], *, path) -> BriefingDocument:
    cursor = _Cursor(blocks, path)
    document = BriefingDocument(path=str(path))
    fields = document.fields

    crumb = cursor.take()
    match = BREADCRUMB_RE.match(crumb.text)
    fields["kind"] = _kind_from_label(match.group("kind"))
    document.category = match.group("category").strip()

    title = cursor.take() if not cursor.done else None
    if title is None or len(title.text) > 300:
        cursor.fail(title or crumb, "expected the briefing's title after the breadcrumb")
    fields["title"] = title.text

    summary = []
    while not cursor.done and cursor.peek().text not in {title.text, "Sources"}:
        if _classification_label(cursor.peek().text) or cursor.peek().text == "Published reporting":
            break
        summary.append(cursor.take().text)
    if not summary:
        cursor.fail(cursor.peek() or title, "expected the summary after the title")
    fields["summary"] = "\n\n".join(summary)
    # The page repeats the headline at the top of its sources and classification panel.
    if not cursor.done and cursor.peek().text == title.text:
        cursor.take()

    _read_page_sources(cursor, document)
    _read_classification(cursor, document)
    _read_reporting(cursor, document)
    _read_page_body(cursor, document)

    if fields["kind"] == Briefing.Kind.ARTICLE:
        for key in ("signal", "signal_type", "market_class", "operating_surface"):
            if fields.get(key):
                cursor.fail(crumb, "an article export carries signal-brief fields")
    fields["status"] = Briefing.Status.PUBLISHED
    fields["published_at"] = timezone.now()
    document.assumed.add("published_at")
    document.notices.append(f"the export has no publish time: {PUBLISHED_AS_OF} the import")
    return document


def _read_page_sources(cursor, document):
    if cursor.done or cursor.peek().text != "Sources":
        return
    cursor.take()
    if not cursor.done and cursor.peek().text.startswith("Public references used"):
        cursor.take()
    while not cursor.done:
        block = cursor.peek()
        if _classification_label(block.text) or block.text == "Published reporting":
            break
        cursor.take()
        document.sources.append(_source_from_line(block, cursor))
    if not document.sources:
        document.notices.append("the export lists no public references: no sources imported")


def _source_from_line(block, cursor) -> SourceDocument:
    """'Title — Publisher — https://…' (publisher and address optional)."""
    text = block.item
    url_match = re.search(r"https?://\S+", text)
    url = url_match.group(0).rstrip(").,") if url_match else ""
    if url:
        text = text.replace(url_match.group(0), "")
    parts = [
        part.strip(" ()") for part in re.split(r"\s+[\u2014\u2013|]\s+", text) if part.strip(" ()")
    ]
    if not parts:
        cursor.fail(block, "a source line needs a title")
    return SourceDocument(
        title=parts[0][:300],
        publisher=(parts[1] if len(parts) > 1 else "")[:200],
        url=url[:500],
        line=block.line,
    )


def _read_classification(cursor, document):
    fields = document.fields
    seen = set()
    while not cursor.done:
        block = cursor.peek()
        found = _classification_label(block.text)
        if not found:
            break
        label, key, value = found
        if key in seen:
            cursor.fail(block, f"{label} appears twice in the classification panel")
        seen.add(key)
        cursor.take()
        rationale = ""
        following = cursor.peek()
        if (
            following is not None
            and not _classification_label(following.text)
            and following.text != "Published reporting"
        ):
            rationale = cursor.take().text
        _set_classification(cursor, document, block, key, value)
        if rationale:
            fields[f"{key}_rationale"] = rationale[:500]


def _set_classification(cursor, document, block, key, value):
    fields = document.fields
    if key == "category":
        if document.category and value.lower() != document.category.lower():
            cursor.fail(block, f"Category {value!r} differs from the breadcrumb's")
        document.category = value
    elif key in {"region", "topic"}:
        setattr(document, key, value)
    elif key == "content_type":
        if _kind_from_label(value) != fields["kind"]:
            cursor.fail(block, f"Content Type {value!r} does not match the breadcrumb")
    elif key == "impact":
        if value.lower() not in Briefing.Impact.values:
            cursor.fail(block, f"unknown impact {value!r}; expected low, medium or high")
        fields["impact"] = value.lower()
    elif key == "confidence":
        match = re.search(r"(\d{1,3})\s*%", value)
        if not match or int(match.group(1)) > 100:
            cursor.fail(block, f"confidence {value!r} has no percentage")
        fields["confidence"] = int(match.group(1))
    else:
        fields[key] = value[:120]


def _read_reporting(cursor, document):
    if cursor.done or cursor.peek().text != "Published reporting":
        return
    cursor.take()
    summary, points = [], []
    while not cursor.done:
        block = cursor.peek()
        if block.is_bullet:
            points.append(cursor.take().item)
        elif not points and not _looks_like_heading(block):
            summary.append(cursor.take().text)
        else:
            break
    document.fields["reporting_summary"] = "\n\n".join(summary)
    document.fields["key_points"] = "\n".join(points)


def _read_page_body(cursor, document):
    while not cursor.done:
        block = cursor.take()
        following = cursor.peek()
        key = LIST_HEADINGS.get(block.text.lower())
        if key and following is not None and following.is_bullet:
            items = []
            while not cursor.done and cursor.peek().is_bullet:
                items.append(cursor.take())
            _set_list(cursor, document, key, items)
        elif block.text == "Member Briefing":
            _read_lock_panel(cursor, document)
        elif PAGE_CHROME.fullmatch(block.text):
            continue
        elif _looks_like_heading(block) and following is not None:
            paragraphs = []
            while not cursor.done and not (
                _looks_like_heading(cursor.peek()) or cursor.peek().is_bullet
            ):
                paragraphs.append(cursor.take().text)
            if not paragraphs:
                cursor.fail(block, f"the section {block.text!r} has no text")
            document.sections.append(
                SectionDocument(
                    heading=block.text[:200], body="\n\n".join(paragraphs), line=block.line
                )
            )
        else:
            cursor.fail(block, f"unexpected text {block.text[:60]!r}")


def _set_list(cursor, document, key, items):
    if key == "signal_brief":
        _set_signal_brief(cursor, document, items)
    elif key == "market_context":
        _set_market_context(cursor, document, items)
    else:
        document.fields[key] = "\n".join(block.item for block in items)


SIGNAL_BRIEF_LINES = {
    "signal": "signal",
    "signal type": "signal_type",
    "market class": "market_class",
    "region": "region",
}


def _set_signal_brief(cursor, document, items):
    for block in items:
        name, _, value = block.item.partition(":")
        field_name = SIGNAL_BRIEF_LINES.get(name.strip().lower())
        if not field_name or not value.strip():
            cursor.fail(block, f"unknown Signal Brief line {block.item!r}")
        value = value.strip()
        if field_name == "region":
            if document.region and document.region.lower() != value.lower():
                cursor.fail(block, f"Signal Brief region {value!r} differs from the panel's")
            document.region = value
        else:
            document.fields[field_name] = value[:300]


def _set_market_context(cursor, document, items):
    fields = document.fields
    lines = []
    for block in items:
        name, _, value = block.item.partition(":")
        if name.strip().lower() == "operational relevance" and value.strip():
            relevance = value.strip().lower()
            if relevance not in Briefing.Impact.values:
                cursor.fail(block, f"unknown operational relevance {value.strip()!r}")
            fields["operational_relevance"] = relevance
        elif name.strip().lower() == "time horizon" and value.strip():
            fields["time_horizon"] = value.strip()[:120]
        else:
            lines.append(block.item)
    fields["market_context"] = "\n".join(lines)


def _read_lock_panel(cursor, document):
    tiers = []
    while not cursor.done:
        block = cursor.peek()
        if PAGE_CHROME.fullmatch(block.text) and block.text:
            break
        cursor.take()
        match = re.fullmatch(r"Only for (.+)", block.text)
        if match:
            tiers.append(match.group(1).strip())
    if tiers:
        document.notices.append(
            "the original page had parts for "
            + " and ".join(tiers)
            + " (its lock panel shows them); their text is not in the export, "
            "so nothing was imported for them"
        )
