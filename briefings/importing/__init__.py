"""
Importing briefings from files, and exporting them in the same format.

- `documents`: what a file says, as plain data (BriefingDocument and its parts).
- `files`: which files a run reads, and the parser each format goes to.
- `frontmatter`: the `.md` format (YAML front matter, Markdown sections).
- `pages`: the `.txt` page exports.
- `lookups`: the taxonomy and sources a batch of files names, looked up together.
- `writing`: saving briefings from documents (batch writer, COPY, the search Reindexer);
  a file that says it is live goes live through `briefings.workflow.go_live`.
- `running`: an import run and its report (`briefings_import`).
- `exporting`: briefings back to `.md` files.
"""

from briefings.importing.documents import (
    SUPPORTED_SUFFIXES,
    BriefingDocument,
    BriefingFileError,
    SectionDocument,
    SourceDocument,
)
from briefings.importing.files import FileInMemory, briefing_files, parse_file, read_text
from briefings.importing.frontmatter import (
    CHOICE_KEYS,
    FRONT_MATTER_KEYS,
    LIST_KEYS,
    SOURCE_KEYS,
    TEXT_KEYS,
    parse_markdown,
    parse_published_at,
)
from briefings.importing.pages import derive_title, find_repeated_tail, parse_page_export
from briefings.importing.running import FileResult, ImportReport, briefings_import
from briefings.importing.writing import (
    BriefingExists,
    CannotGoLive,
    DocumentInvalid,
    briefing_save_from_document,
)

__all__ = [
    "CHOICE_KEYS",
    "FRONT_MATTER_KEYS",
    "LIST_KEYS",
    "SOURCE_KEYS",
    "SUPPORTED_SUFFIXES",
    "TEXT_KEYS",
    "BriefingDocument",
    "BriefingExists",
    "BriefingFileError",
    "CannotGoLive",
    "DocumentInvalid",
    "FileInMemory",
    "FileResult",
    "ImportReport",
    "SectionDocument",
    "SourceDocument",
    "briefing_files",
    "briefing_save_from_document",
    "briefings_import",
    "derive_title",
    "find_repeated_tail",
    "parse_file",
    "parse_markdown",
    "parse_page_export",
    "parse_published_at",
    "read_text",
]
