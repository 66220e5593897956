"""
What a briefing file says, as plain data: the documents the parsers produce and the
importer writes, and the error a file that cannot be read raises. No database here.
"""

import datetime as dt
from dataclasses import dataclass, field

from briefings.slugs import title_slug
from members.access import Audience

SUPPORTED_SUFFIXES = (".md", ".txt")

# The parsers' note when they fill in a publish time the file does not give.
PUBLISHED_AS_OF = "published as of"


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
    # lead_image and social_image: slugs of library images, checked when written.
    images: dict = field(default_factory=dict)

    def as_draft(self, reason: str) -> None:
        """
        Import the briefing as a draft whatever the file says, noting `reason` for the
        report. A publish time the parser filled in is dropped with its note: a draft is
        not published as of the import.
        """
        self.fields["status"] = "draft"
        if "published_at" in self.assumed:
            self.assumed.discard("published_at")
            del self.fields["published_at"]
            self.notices = [n for n in self.notices if PUBLISHED_AS_OF not in n]
        self.notices.append(reason)

    @property
    def title(self) -> str:
        return self.fields.get("title", "")

    @property
    def slug(self) -> str:
        """The given slug, or one made from the title, cut at a word for a readable URL."""
        if self.fields.get("slug"):
            return self.fields["slug"]
        return title_slug(self.title)
