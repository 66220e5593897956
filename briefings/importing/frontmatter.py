"""
The `.md` format: YAML front matter, then Markdown; a level-2 heading starts a section,
gated by an `{access=<tier slug>}` attribute at its end (the slugs members.access reads).

Parsing never guesses silently: whatever it had to decide is recorded as a notice for the
import report, and anything it cannot read is a `BriefingFileError` naming file and line.
"""

import datetime as dt
import re

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import MAX_URL_LENGTH, URLValidator, validate_slug
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import slugify

from briefings.fields import newlines_normalised
from briefings.importing.documents import (
    PUBLISHED_AS_OF,
    BriefingDocument,
    BriefingFileError,
    SectionDocument,
    SourceDocument,
)
from briefings.models import Briefing, Source
from members import access
from members.access import Audience

# Front-matter keys that hold plain text, mapped to model fields.
TEXT_KEYS = {
    "title": "title",
    "summary": "summary",
    "meta_title": "meta_title",
    "meta_description": "meta_description",
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
# Slugs of images in the library (briefings.images), checked when the file is written.
IMAGE_KEYS = ("lead_image", "social_image")
OTHER_KEYS = ("slug", "published_at", "confidence", "authors", "sources", *IMAGE_KEYS)
FRONT_MATTER_KEYS = (
    set(TEXT_KEYS) | set(LIST_KEYS) | set(CHOICE_KEYS) | set(TAXONOMY_KEYS) | set(OTHER_KEYS)
)
SOURCE_KEYS = {"title", "publisher", "url", "published_on", "note"}

# A level-2 heading as CommonMark reads one: up to three spaces before `##`, an optional
# closing run of `#`. Its `{access=...}` attribute ends the text; anything that looks like
# an attribute anywhere else is refused, never read as public text (`ACCESS_LOOKALIKE`).
HEADING_RE = re.compile(r"^ {0,3}##(?:[ \t]+(?P<text>.*?))?[ \t]*$")
CLOSING_HASHES_RE = re.compile(r"(?:^|\s+)#+\s*$")
ATTRIBUTES_RE = re.compile(r"^(?P<text>.*?)\s*\{(?P<attrs>[^{}]*)\}$")
ACCESS_LOOKALIKE = re.compile(r"\{\s*access\s*=", re.IGNORECASE)
FENCE_RE = re.compile(r"^\s{0,3}(```|~~~)")


def _max_length(field_name: str) -> int | None:
    return Briefing._meta.get_field(field_name).max_length


# libyaml when it is there (it is in the wheels): parsing is most of an import's time.
class _YAMLLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """YAML's safe loader, except that dates stay text: YAML would turn `2026-02-30` into
    an error for the whole file before any key is read (and `title: 2026-01-01` into a
    date). Each date field is read by its key, which names the line when it is wrong."""


_YAMLLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
)


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
    lines = newlines_normalised(text).split("\n")
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
    reader = _FrontMatter(data, key_lines, path)
    for key in data:
        if key not in FRONT_MATTER_KEYS:
            reader.fail(key, f"unknown key {key!r} (the keys are listed in docs/import-format.md)")
    fields = document.fields
    reader.read_texts(fields)
    reader.read_lists(fields)
    reader.read_choices(fields)
    fields.setdefault("kind", Briefing.Kind.ARTICLE)
    fields.setdefault("status", Briefing.Status.DRAFT)
    reader.read_slug(fields)
    reader.read_published_at(document)
    reader.read_confidence(fields)
    reader.read_authors(fields)
    for key in TAXONOMY_KEYS:
        value = reader.text(key)
        if len(value) > 120:
            reader.fail(key, f"{key} name is longer than 120 characters")
        setattr(document, key, value)
    document.images = {key: reader.text(key) for key in IMAGE_KEYS if reader.text(key)}
    document.sources = _read_sources(
        data.get("sources"), value_nodes.get("sources"), reader.fail, path
    )


class _FrontMatter:
    """The front matter's values, read key by key; `fail` names the key's line."""

    def __init__(self, data: dict, key_lines: dict, path):
        self.data = data
        self.key_lines = key_lines
        self.path = path

    def fail(self, key, message):
        raise BriefingFileError(self.path, self.key_lines.get(key, 2), message)

    def text(self, key) -> str:
        value = self.data.get(key)
        if value is None:
            return ""
        if isinstance(value, dict | list):
            self.fail(key, f"{key} must be text, not a list or mapping")
        return str(value).strip()

    def read_texts(self, fields: dict) -> None:
        for key, field_name in TEXT_KEYS.items():
            value = self.text(key)
            limit = _max_length(field_name)
            if limit and len(value) > limit:
                self.fail(key, f"{key} is {len(value)} characters long; the limit is {limit}")
            if value:
                fields[field_name] = value
        if not fields.get("title"):
            raise BriefingFileError(
                self.path, self.key_lines.get("title", 1), "the briefing has no title"
            )
        if not fields.get("summary"):
            raise BriefingFileError(
                self.path,
                self.key_lines.get("summary", 1),
                "the briefing has no summary (its public standfirst)",
            )

    def read_lists(self, fields: dict) -> None:
        for key, field_name in LIST_KEYS.items():
            value = self.data.get(key)
            if value is None:
                continue
            if isinstance(value, str):
                items = [line.strip() for line in value.splitlines() if line.strip()]
            elif isinstance(value, list) and all(
                isinstance(item, str | int | float) for item in value
            ):
                items = [str(item).strip() for item in value if str(item).strip()]
            else:
                self.fail(key, f"{key} must be a list of one-line items")
            fields[field_name] = "\n".join(items)

    def read_choices(self, fields: dict) -> None:
        for key, (field_name, choices) in CHOICE_KEYS.items():
            value = self.text(key).lower()
            if not value:
                continue
            if value not in choices.values:
                allowed = ", ".join(choices.values)
                self.fail(key, f"unknown {key} {value!r}; expected one of: {allowed}")
            fields[field_name] = value

    def read_slug(self, fields: dict) -> None:
        slug = self.text("slug")
        if slug:
            try:
                validate_slug(slug)
            except ValidationError:
                self.fail("slug", f"slug {slug!r} may only hold letters, digits, '-' and '_'")
            limit = _max_length("slug")
            if len(slug) > limit:
                self.fail("slug", f"slug is {len(slug)} characters long; the limit is {limit}")
            fields["slug"] = slug
        elif not slugify(fields["title"]):
            self.fail("title", "cannot make a slug from this title; give a slug")

    def read_published_at(self, document: BriefingDocument) -> None:
        fields = document.fields
        fields["published_at"] = parse_published_at(self.data.get("published_at"), self.fail)
        if fields["published_at"] is not None:
            return
        del fields["published_at"]
        if fields["status"] == Briefing.Status.SCHEDULED:
            self.fail("status", "a scheduled briefing needs published_at (when it goes live)")
        if fields["status"] == Briefing.Status.PUBLISHED:
            fields["published_at"] = timezone.now()
            document.assumed.add("published_at")
            document.notices.append(f"no published_at given: {PUBLISHED_AS_OF} now")

    def read_confidence(self, fields: dict) -> None:
        confidence = self.data.get("confidence")
        if confidence is None:
            return
        match = re.fullmatch(r"\s*(\d{1,3})\s*%?\s*", str(confidence))
        if not match or int(match.group(1)) > 100:
            self.fail(
                "confidence", f"confidence must be a percentage from 0 to 100, not {confidence!r}"
            )
        fields["confidence"] = int(match.group(1))

    def read_authors(self, fields: dict) -> None:
        authors = self.data.get("authors")
        if authors is None:
            return
        if isinstance(authors, list):
            authors = ", ".join(str(name).strip() for name in authors if str(name).strip())
        authors = str(authors).strip()
        limit = _max_length("authors")
        if len(authors) > limit:
            self.fail("authors", f"authors is {len(authors)} characters long; the limit is {limit}")
        fields["authors"] = authors


def parse_published_at(value, fail):
    if value in (None, ""):
        return None
    if isinstance(value, dict | list):
        fail("published_at", "published_at must be a date and time, not a list or mapping")
    text = str(value).strip()
    try:
        moment = parse_datetime(text)
        day = None if moment else parse_date(text)
    except ValueError:  # well formed, but no such day or time: 2026-02-30
        fail("published_at", f"published_at {text!r} is not a real date and time")
    if moment is None:
        if day is None:
            fail("published_at", f"published_at {text!r} is not a date and time (ISO 8601)")
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
    for index, item in enumerate(value):
        line = node.value[index].start_mark.line + 2 if node is not None else None

        def item_fail(message, line=line, index=index):
            raise BriefingFileError(path, line, f"source {index + 1}: {message}")

        sources.append(_read_source(item, item_fail, line))
    return sources


_validate_url = URLValidator(schemes=["http", "https"])

# An address of the plainest kind: http(s), a host name of ASCII letters, digits and inner
# hyphens ending in a letters-only top-level domain, maybe a port, maybe a path of printable
# ASCII. Every address it matches (host name at most 253 characters, the whole at most
# MAX_URL_LENGTH) passes URLValidator too, so it is accepted at once; any other address is
# judged by URLValidator, which took 136 microseconds an address (docs/performance.md).
_PLAIN_URL = re.compile(
    r"https?://((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})"
    r"(?::[0-9]{1,5})?(?:/[\x21-\x7e]*)?",
    re.IGNORECASE,
)


def url_valid(url: str) -> bool:
    """Whether `url` is an http(s) address, as Django's URLValidator judges it."""
    plain = _PLAIN_URL.fullmatch(url)
    if plain and len(plain[1]) <= 253 and len(url) <= MAX_URL_LENGTH:
        return True
    try:
        _validate_url(url)
    except ValidationError:
        return False
    return True


def _read_source(item, item_fail, line) -> SourceDocument:
    if not isinstance(item, dict):
        item_fail("must be a mapping with title, publisher, url, published_on, note")
    unknown = set(item) - SOURCE_KEYS
    if unknown:
        item_fail(f"unknown key {sorted(unknown)[0]!r}")
    title = str(item.get("title") or "").strip()
    if not title:
        item_fail("has no title")
    url = str(item.get("url") or "").strip()
    if url and not url_valid(url):
        item_fail(f"url {url!r} is not an http(s) address")
    publisher = str(item.get("publisher") or "").strip()
    for key, value in (("title", title), ("publisher", publisher), ("url", url)):
        limit = Source._meta.get_field(key).max_length
        if len(value) > limit:
            item_fail(f"{key} is {len(value)} characters long; the limit is {limit}")
    return SourceDocument(
        title=title,
        publisher=publisher,
        url=url,
        published_on=_source_date(item.get("published_on"), item_fail),
        note=str(item.get("note") or "").strip(),
        line=line,
    )


def _source_date(published_on, item_fail) -> dt.date | None:
    if published_on in (None, ""):
        return None
    text = str(published_on).strip()
    try:
        moment = parse_datetime(text)
        day = moment.date() if moment else parse_date(text)
    except ValueError:  # well formed, but no such day: 2026-13-45
        item_fail(f"published_on {text!r} is not a real date")
    if day is None:
        item_fail(f"published_on {text!r} must be a date (YYYY-MM-DD)")
    return day


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
            if not in_fence and ACCESS_LOOKALIKE.search(line):
                raise BriefingFileError(
                    path,
                    number,
                    "an {access=...} attribute belongs at the end of a level-2 heading "
                    "('## Heading {access=<tier>}'); here it would be public text",
                )
            body.append(line)
    close()
    return sections


def _read_heading(text: str, line: int, path) -> tuple[str, Audience]:
    audience = Audience.PUBLIC
    text = CLOSING_HASHES_RE.sub("", text).strip()  # str.strip: non-breaking spaces too
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
    text = text.strip()
    if ACCESS_LOOKALIKE.search(text):
        raise BriefingFileError(
            path, line, "the {access=...} attribute must end the heading, after its text"
        )
    if len(text) > 200:
        raise BriefingFileError(path, line, "section heading is longer than 200 characters")
    return text, audience
