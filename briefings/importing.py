"""
Reading briefing files into plain documents, without touching the database.

Two formats (see docs/import-format.md):
- `.md`: YAML front matter, then Markdown; a level-2 heading starts a section, gated by
  `{access=strategic-circle}` or `{access=leadership-alliance}` at its end.
- `.txt`: page exports. Either the text of a briefing page as a reader saw it (a
  breadcrumb such as "Signal briefing / Datacenter", the title, the classification panel
  and so on: seed 001), or an older system's article export (a standfirst line, then one
  paragraph per line, sometimes the whole body twice: seed 000).

Parsing never guesses silently: whatever it had to decide (a derived title, a dropped
repeat, gated parts whose text the export does not carry) is recorded as a notice for the
import report, and anything it cannot read is a `BriefingFileError` naming file and line.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_slug
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import slugify

from briefings.models import Briefing
from members import access
from members.access import Audience

SUPPORTED_SUFFIXES = (".md", ".txt")


class BriefingFileError(Exception):
    """A file that cannot be imported, with where and why."""

    def __init__(self, path, line: int | None, message: str):
        self.path = str(path)
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __str__(self):
        where = f"{self.path}, line {self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass
class SectionDocument:
    heading: str
    body: str
    audience: Audience = Audience.PUBLIC
    line: int | None = None


@dataclass
class SourceDocument:
    title: str
    publisher: str = ""
    url: str = ""
    published_on: dt.date | None = None
    note: str = ""
    line: int | None = None


@dataclass
class BriefingDocument:
    """One briefing as read from a file: model field values, taxonomy names, parts."""

    path: str
    fields: dict = field(default_factory=dict)
    category: str = ""
    region: str = ""
    topic: str = ""
    sections: list[SectionDocument] = field(default_factory=list)
    sources: list[SourceDocument] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    # Fields the parser filled in because the file did not say: an update keeps the
    # stored value of these (re-importing a page export must not move its publish time).
    assumed: set[str] = field(default_factory=set)

    @property
    def title(self) -> str:
        return self.fields.get("title", "")

    @property
    def slug(self) -> str:
        """The given slug, or one made from the title, cut at a word for a readable URL."""
        if self.fields.get("slug"):
            return self.fields["slug"]
        slug = slugify(self.title)
        if len(slug) > 80:
            slug = slug[:81].rsplit("-", 1)[0]
        return slug


def parse_file(path) -> BriefingDocument:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise BriefingFileError(
            path, None, "not a briefing file: expected a .md file or a .txt page export"
        )
    text = read_text(path)
    if suffix == ".md":
        return parse_markdown(text, path=path)
    return parse_page_export(text, path=path)


def read_text(path) -> str:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise BriefingFileError(path, None, f"cannot read the file ({exc.strerror})") from None
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise BriefingFileError(path, line, "binary data: this is not a briefing text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BriefingFileError(path, line, "not UTF-8 text: this is not a briefing file") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- Markdown with front matter -----------------------------------------------------------

# Front-matter keys that hold plain text, mapped to model fields.
TEXT_KEYS = {
    "title": "title",
    "summary": "summary",
    "category_rationale": "category_rationale",
    "region_rationale": "region_rationale",
    "signal_focus": "signal_focus",
    "signal_focus_rationale": "signal_focus_rationale",
    "content_type_rationale": "content_type_rationale",
    "primary_domain": "primary_domain",
    "primary_domain_rationale": "primary_domain_rationale",
    "topic_rationale": "topic_rationale",
    "impact_rationale": "impact_rationale",
    "confidence_rationale": "confidence_rationale",
    "reporting_summary": "reporting_summary",
    "signal": "signal",
    "signal_type": "signal_type",
    "market_class": "market_class",
    "time_horizon": "time_horizon",
}
# Keys that hold a list of one-line items, stored one per line.
LIST_KEYS = {
    "key_points": "key_points",
    "operating_surface": "operating_surface",
    "market_context": "market_context",
    "what_to_watch": "watch_items",
}
CHOICE_KEYS = {
    "kind": ("kind", Briefing.Kind),
    "status": ("status", Briefing.Status),
    "impact": ("impact", Briefing.Impact),
    "operational_relevance": ("operational_relevance", Briefing.Impact),
}
TAXONOMY_KEYS = ("category", "region", "topic")
OTHER_KEYS = ("slug", "published_at", "confidence", "authors", "sources")
FRONT_MATTER_KEYS = (
    set(TEXT_KEYS) | set(LIST_KEYS) | set(CHOICE_KEYS) | set(TAXONOMY_KEYS) | set(OTHER_KEYS)
)
SOURCE_KEYS = {"title", "publisher", "url", "published_on", "note"}

HEADING_RE = re.compile(r"^##(?:[ \t]+(?P<text>.*?))?[ \t]*$")
ATTRIBUTES_RE = re.compile(r"^(?P<text>.*?)\s*\{(?P<attrs>[^{}]*)\}$")
FENCE_RE = re.compile(r"^\s{0,3}(```|~~~)")


def _max_length(field_name: str) -> int | None:
    return Briefing._meta.get_field(field_name).max_length


# libyaml when it is there (it is in the wheels): parsing is most of an import's time.
_YAMLLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_yaml(text: str):
    """The document's node tree (for line numbers) and its data, from one parse."""
    loader = _YAMLLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return node, data


def parse_markdown(text: str, *, path) -> BriefingDocument:
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise BriefingFileError(
            path,
            1,
            "a briefing file starts with YAML front matter between two '---' lines "
            "(see docs/import-format.md)",
        )
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() in {"---", "..."})
    except StopIteration:
        raise BriefingFileError(
            path, 1, "the front matter is never closed by a '---' line"
        ) from None
    front_matter = "\n".join(lines[1:end])
    # Line n of the front matter text is line n + 2 of the file (1-based, after '---').
    try:
        node, data = _load_yaml(front_matter)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 2
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise BriefingFileError(path, line, f"front matter is not valid YAML: {problem}") from None
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise BriefingFileError(path, 2, "front matter must be 'key: value' lines")
    key_lines = {key.value: key.start_mark.line + 2 for key, _ in node.value}
    value_nodes = {key.value: value for key, value in node.value}

    document = BriefingDocument(path=str(path))
    _read_front_matter(document, data, key_lines, value_nodes, path=path)
    document.sections = _read_sections(lines, start=end + 1, path=path)
    return document


def _read_front_matter(document, data, key_lines, value_nodes, *, path):
    def fail(key, message):
        raise BriefingFileError(path, key_lines.get(key, 2), message)

    for key in data:
        if key not in FRONT_MATTER_KEYS:
            fail(key, f"unknown key {key!r} (the keys are listed in docs/import-format.md)")

    def text(key):
        value = data.get(key)
        if value is None:
            return ""
        if isinstance(value, dict | list):
            fail(key, f"{key} must be text, not a list or mapping")
        return str(value).strip()

    fields = document.fields
    for key, field_name in TEXT_KEYS.items():
        value = text(key)
        limit = _max_length(field_name)
        if limit and len(value) > limit:
            fail(key, f"{key} is {len(value)} characters long; the limit is {limit}")
        if value:
            fields[field_name] = value
    if not fields.get("title"):
        raise BriefingFileError(path, key_lines.get("title", 1), "the briefing has no title")
    if not fields.get("summary"):
        raise BriefingFileError(
            path, key_lines.get("summary", 1), "the briefing has no summary (its public standfirst)"
        )

    for key, field_name in LIST_KEYS.items():
        value = data.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            items = [line.strip() for line in value.splitlines() if line.strip()]
        elif isinstance(value, list) and all(isinstance(item, str | int | float) for item in value):
            items = [str(item).strip() for item in value if str(item).strip()]
        else:
            fail(key, f"{key} must be a list of one-line items")
        fields[field_name] = "\n".join(items)

    for key, (field_name, choices) in CHOICE_KEYS.items():
        value = text(key).lower()
        if not value:
            continue
        if value not in choices.values:
            allowed = ", ".join(choices.values)
            fail(key, f"unknown {key} {value!r}; expected one of: {allowed}")
        fields[field_name] = value
    fields.setdefault("kind", Briefing.Kind.ARTICLE)
    fields.setdefault("status", Briefing.Status.DRAFT)

    slug = text("slug")
    if slug:
        try:
            validate_slug(slug)
        except ValidationError:
            fail("slug", f"slug {slug!r} may only hold letters, digits, '-' and '_'")
        fields["slug"] = slug[:200]
    elif not slugify(fields["title"]):
        fail("title", "cannot make a slug from this title; give a slug")

    fields["published_at"] = _published_at(data.get("published_at"), fail)
    if fields["published_at"] is None:
        del fields["published_at"]
        if fields["status"] == Briefing.Status.SCHEDULED:
            fail("status", "a scheduled briefing needs published_at (when it goes live)")
        if fields["status"] == Briefing.Status.PUBLISHED:
            fields["published_at"] = timezone.now()
            document.assumed.add("published_at")
            document.notices.append("no published_at given: published as of now")

    confidence = data.get("confidence")
    if confidence is not None:
        match = re.fullmatch(r"\s*(\d{1,3})\s*%?\s*", str(confidence))
        if not match or int(match.group(1)) > 100:
            fail("confidence", f"confidence must be a percentage from 0 to 100, not {confidence!r}")
        fields["confidence"] = int(match.group(1))

    authors = data.get("authors")
    if authors is not None:
        if isinstance(authors, list):
            authors = ", ".join(str(name).strip() for name in authors if str(name).strip())
        fields["authors"] = str(authors).strip()[: _max_length("authors")]

    for key in TAXONOMY_KEYS:
        value = text(key)
        if len(value) > 120:
            fail(key, f"{key} name is longer than 120 characters")
        setattr(document, key, value)

    document.sources = _read_sources(data.get("sources"), value_nodes.get("sources"), fail, path)


def _published_at(value, fail):
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time.min)
    else:
        moment = parse_datetime(str(value).strip())
        if moment is None:
            day = parse_date(str(value).strip())
            if day is None:
                fail("published_at", f"published_at {value!r} is not a date and time (ISO 8601)")
            moment = dt.datetime.combine(day, dt.time.min)
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def _read_sources(value, node, fail, path) -> list[SourceDocument]:
    if value is None:
        return []
    if not isinstance(value, list):
        fail("sources", "sources must be a list of mappings with at least a title")
    sources = []
    validate_url = URLValidator(schemes=["http", "https"])
    for index, item in enumerate(value):
        line = node.value[index].start_mark.line + 2 if node is not None else None

        def item_fail(message, line=line, index=index):
            raise BriefingFileError(path, line, f"source {index + 1}: {message}")

        if not isinstance(item, dict):
            item_fail("must be a mapping with title, publisher, url, published_on, note")
        unknown = set(item) - SOURCE_KEYS
        if unknown:
            item_fail(f"unknown key {sorted(unknown)[0]!r}")
        title = str(item.get("title") or "").strip()
        if not title:
            item_fail("has no title")
        url = str(item.get("url") or "").strip()
        if url:
            try:
                validate_url(url)
            except ValidationError:
                item_fail(f"url {url!r} is not an http(s) address")
        published_on = item.get("published_on")
        if published_on and not isinstance(published_on, dt.date):
            published_on = parse_date(str(published_on))
            if published_on is None:
                item_fail("published_on must be a date (YYYY-MM-DD)")
        if isinstance(published_on, dt.datetime):
            published_on = published_on.date()
        sources.append(
            SourceDocument(
                title=title[:300],
                publisher=str(item.get("publisher") or "").strip()[:200],
                url=url[:500],
                published_on=published_on or None,
                note=str(item.get("note") or "").strip(),
                line=line,
            )
        )
    return sources


def _read_sections(lines, *, start, path) -> list[SectionDocument]:
    """Split the Markdown body at level-2 headings (outside fenced code)."""
    sections = []
    current = SectionDocument(heading="", body="", line=start + 1)
    body: list[str] = []
    in_fence = False

    def close():
        text = "\n".join(body).strip("\n")
        # Text before the first heading is an opening section without a heading; a file
        # with nothing there gets no empty section.
        if current.heading or text.strip() or access.is_gated(current.audience):
            current.body = text
            sections.append(current)

    for index in range(start, len(lines)):
        line = lines[index]
        number = index + 1
        if FENCE_RE.match(line):
            in_fence = not in_fence
        match = None if in_fence else HEADING_RE.match(line)
        if match:
            close()
            heading, audience = _read_heading(match.group("text") or "", number, path)
            current = SectionDocument(heading=heading, body="", audience=audience, line=number)
            body = []
        else:
            body.append(line)
    close()
    return sections


def _read_heading(text: str, line: int, path) -> tuple[str, Audience]:
    audience = Audience.PUBLIC
    match = ATTRIBUTES_RE.match(text)
    if match:
        text = match.group("text")
        for attribute in match.group("attrs").split():
            name, _, value = attribute.partition("=")
            if name != "access" or not value:
                raise BriefingFileError(
                    path, line, f"unknown section attribute {attribute!r}; use {{access=...}}"
                )
            try:
                audience = Audience.from_slug(value)
            except ValueError as exc:
                raise BriefingFileError(path, line, str(exc)) from None
    text = text.strip().rstrip("#").strip()
    if len(text) > 200:
        raise BriefingFileError(path, line, "section heading is longer than 200 characters")
    return text, audience


# --- Page exports (.txt) -----------------------------------------------------------------

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
    blocks = _blocks(text)
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
    document.notices.append("the export has no publish time: published as of the import")
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
    fields = document.fields
    if key == "signal_brief":
        names = {
            "signal": "signal",
            "signal type": "signal_type",
            "market class": "market_class",
            "region": "region",
        }
        for block in items:
            name, _, value = block.item.partition(":")
            field_name = names.get(name.strip().lower())
            if not field_name or not value.strip():
                cursor.fail(block, f"unknown Signal Brief line {block.item!r}")
            value = value.strip()
            if field_name == "region":
                if document.region and document.region.lower() != value.lower():
                    cursor.fail(block, f"Signal Brief region {value!r} differs from the panel's")
                document.region = value
            else:
                fields[field_name] = value[:300]
    elif key == "market_context":
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
    else:
        fields[key] = "\n".join(block.item for block in items)


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
