"""
Finding and reading briefing files: which files a run imports, their text, and the
parser each format goes to (see docs/import-format.md).
"""

from dataclasses import dataclass
from pathlib import Path

from briefings.fields import newlines_normalised
from briefings.importing.documents import SUPPORTED_SUFFIXES, BriefingDocument, BriefingFileError
from briefings.importing.frontmatter import parse_markdown
from briefings.importing.pages import parse_page_export


@dataclass(frozen=True)
class FileInMemory:
    """
    A briefing file that is not on disk (one uploaded in admin, or read from a zip): its
    name, as the report shows it, and its bytes.
    """

    name: str
    data: bytes


def parse_file(path) -> BriefingDocument:
    path = Path(path)
    _check_suffix(path)
    return _parse_text(read_text(path), path)


def parse_file_in_memory(file: FileInMemory) -> BriefingDocument:
    """As `parse_file`, for a file given as bytes; the report names it `file.name`."""
    _check_suffix(Path(file.name))
    return _parse_text(decoded_text(file.data, path=file.name), file.name)


def _check_suffix(path: Path) -> None:
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise BriefingFileError(
            path, None, "not a briefing file: expected a .md file or a .txt page export"
        )


def _parse_text(text: str, path) -> BriefingDocument:
    if Path(path).suffix.lower() == ".md":
        return parse_markdown(text, path=path)
    return parse_page_export(text, path=path)


def read_text(path) -> str:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise BriefingFileError(path, None, f"cannot read the file ({exc.strerror})") from None
    return decoded_text(data, path=path)


def decoded_text(data: bytes, *, path) -> str:
    """A file's bytes as text, or BriefingFileError when they are binary or not UTF-8."""
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise BriefingFileError(path, line, "binary data: this is not a briefing text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BriefingFileError(path, line, "not UTF-8 text: this is not a briefing file") from None
    return newlines_normalised(text)


def briefing_files(paths) -> list[tuple[Path, bool]]:
    """
    The files to import, in a stable order: each named file, and the `.md` and `.txt`
    files inside each named folder. The flag says whether the file was named directly.
    """
    found = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(
                (child, False)
                for child in sorted(path.rglob("*"))
                if child.is_file() and child.suffix.lower() in SUPPORTED_SUFFIXES
            )
        else:
            found.append((path, True))
    return found
