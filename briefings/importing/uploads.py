"""
Briefing files uploaded in admin: `.md` and `.txt` files, and `.zip` archives of them,
read in memory within fixed limits. A zip is never extracted: its members are read as
bytes, so a member's path (`../../x.md`, `/etc/x.md`) never names a place on disk, and
one that tries to is refused all the same.

An upload that breaks a limit, or holds a zip that cannot be trusted (a path outside
the archive, a link, a zip inside it, more members or more bytes than allowed, sizes its
headers understate), is refused whole with every reason (UploadRefused): nothing of it
is imported. What is merely not a briefing is left to the importer, which reports each
such file and imports the others, as the command does.
"""

import re
import stat
import zipfile
import zlib
from pathlib import PurePosixPath

from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from briefings.importing.documents import SUPPORTED_SUFFIXES
from briefings.importing.files import FileInMemory
from briefings.importing.running import FileResult

MB = 1024 * 1024
# One briefing file, uploaded or inside a zip. The longest demo briefing is under 20 KB.
MAX_FILE_BYTES = 5 * MB
# Everything one upload sends, zips as they are; and everything read out of its zips.
MAX_UPLOAD_BYTES = 50 * MB
MAX_UNPACKED_BYTES = 50 * MB
# Files chosen in one upload (below Django's DATA_UPLOAD_MAX_NUMBER_FILES, so that this
# limit answers first, with its message), and entries in one zip.
MAX_UPLOAD_FILES = 50
MAX_ZIP_MEMBERS = 500

ZIP_SUFFIX = ".zip"
UPLOAD_SUFFIXES = (*SUPPORTED_SUFFIXES, ZIP_SUFFIX)
# What archivers add beside the files: not something the editor put in the zip.
ARCHIVE_METADATA = re.compile(r"(^|/)(__MACOSX/|\.DS_Store$|Thumbs\.db$)")


class UploadRefused(Exception):
    """The upload is refused whole; `problems` says why, one sentence each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(" ".join(problems))


def megabytes(size: int) -> str:
    return f"{size / MB:.1f} MB".replace(".0 MB", " MB")


def file_limit(name: str) -> int:
    """The most one uploaded file may hold: a zip may carry as much as the whole upload."""
    return MAX_UPLOAD_BYTES if name.lower().endswith(ZIP_SUFFIX) else MAX_FILE_BYTES


class UploadLimitHandler(FileUploadHandler):
    """
    Counts an upload's bytes as they arrive and stops reading it at the first limit it
    breaks: the declared length of the whole request (before any file is read), a file
    over its limit, the number of files. The rest of the request is read and dropped,
    never stored; `refusal` says what happened. Put it first in request.upload_handlers,
    before anything reads request.POST.
    """

    def __init__(self, request=None):
        super().__init__(request)
        self.refusal = ""
        self.total = 0
        self.files = 0
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # Form fields and multipart framing take a few kilobytes beyond the files.
        if content_length > MAX_UPLOAD_BYTES + MB:
            self.refusal = (
                f"The upload is {megabytes(content_length)}; all files together may be "
                f"{megabytes(MAX_UPLOAD_BYTES)} at most."
            )

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        self.files += 1
        self.received = 0
        if self.files > MAX_UPLOAD_FILES:
            self.refusal = (
                f"Choose at most {MAX_UPLOAD_FILES} files at a time, or put them in a .zip."
            )
        if self.refusal:
            raise StopUpload(connection_reset=False)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        self.total += len(raw_data)
        limit = file_limit(self.file_name)
        if self.received > limit:
            self.refusal = f"{self.file_name} is over {megabytes(limit)}, the limit for a file."
        elif self.total > MAX_UPLOAD_BYTES:
            self.refusal = (
                f"All files together may be {megabytes(MAX_UPLOAD_BYTES)} at most; "
                f"the upload was over that by {self.file_name}."
            )
        if self.refusal:
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler stores the file


def upload_files(uploads) -> list:
    """
    The files to import from the uploaded files, in order: a FileInMemory for each `.md`
    and `.txt` file, uploaded or in a zip (named `archive.zip/path/in/it.md`), a skipped
    FileResult for a zip member that is not a briefing file, and a failed one for an
    uploaded file of another type. Raises UploadRefused, with every problem, for an
    upload that breaks a limit or holds a zip that cannot be trusted.
    """
    items, problems = [], []
    unpacked = Budget(MAX_UNPACKED_BYTES)
    for upload in uploads:
        name = upload.name
        suffix = PurePosixPath(name).suffix.lower()
        if upload.size > file_limit(name):
            problems.append(f"{name} is over {megabytes(file_limit(name))}, the limit for a file.")
        elif suffix == ZIP_SUFFIX:
            try:
                items.extend(zip_members(upload, name, unpacked))
            except UploadRefused as refused:
                problems.extend(refused.problems)
        elif suffix in SUPPORTED_SUFFIXES:
            items.append(FileInMemory(name, read_at_most(upload, MAX_FILE_BYTES, name)))
        else:
            items.append(
                FileResult(
                    name,
                    "failed",
                    f"{name}: not a briefing file: expected a .md file, a .txt page "
                    "export or a .zip of them",
                )
            )
    if problems:
        raise UploadRefused(problems)
    return items


class Budget:
    """Bytes still allowed to be read out of an upload's zips."""

    def __init__(self, limit: int):
        self.limit = limit
        self.left = limit

    def spend(self, size: int, name: str) -> None:
        self.left -= size
        if self.left < 0:
            raise UploadRefused(
                [
                    f"{name}: the zips unpack to more than {megabytes(self.limit)}, the "
                    "limit for one upload. Split them into smaller zips."
                ]
            )


def read_at_most(stream, limit: int, name: str) -> bytes:
    """The stream's bytes, counted as they are read: refused past `limit`, whatever it said."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise UploadRefused([f"{name} is over {megabytes(limit)}, the limit for a file."])
    return data


def zip_members(upload, name: str, unpacked: Budget) -> list:
    """The files in one zip, read in memory; UploadRefused if the zip cannot be trusted."""
    try:
        with zipfile.ZipFile(upload) as archive:
            members = zip_contents(archive, name)
            return [read_member(archive, info, name, unpacked) for info in members]
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise UploadRefused([f"{name} is not a zip that can be read ({exc})."]) from None


def zip_contents(archive: zipfile.ZipFile, name: str) -> list[zipfile.ZipInfo]:
    """The members to read or report, after checking the zip's own account of itself."""
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        raise UploadRefused(
            [f"{name} holds {len(infos)} entries; a zip may hold {MAX_ZIP_MEMBERS} at most."]
        )
    problems = []
    members = []
    for info in infos:
        problem = member_problem(info, name)
        if problem:
            problems.append(problem)
        elif not info.is_dir() and not ARCHIVE_METADATA.search(info.filename):
            members.append(info)
    declared = sum(info.file_size for info in members if is_briefing_file(info.filename))
    if declared > MAX_UNPACKED_BYTES:
        problems.append(
            f"{name} unpacks to {megabytes(declared)}; an upload may unpack to "
            f"{megabytes(MAX_UNPACKED_BYTES)} at most."
        )
    if problems:
        raise UploadRefused(problems)
    return members


def member_problem(info: zipfile.ZipInfo, name: str) -> str:
    """Why a zip's member makes the zip untrustworthy, or ""."""
    path = info.filename.replace("\\", "/")
    parts = PurePosixPath(path).parts
    if path.startswith("/") or re.match(r"[A-Za-z]:", path) or ".." in parts or "\x00" in path:
        return f"{name} holds a path outside the archive ({info.filename}): it is not read."
    if stat.S_ISLNK(info.external_attr >> 16):
        return f"{name} holds a link ({info.filename}); links are not followed."
    if info.flag_bits & 0x1:
        return f"{name}: {info.filename} is encrypted; upload a zip without a password."
    if PurePosixPath(path).suffix.lower() == ZIP_SUFFIX:
        return f"{name} holds another zip ({info.filename}); zips inside zips are not read."
    if is_briefing_file(path) and info.file_size > MAX_FILE_BYTES:
        return (
            f"{name}: {info.filename} unpacks to {megabytes(info.file_size)}; a file may be "
            f"{megabytes(MAX_FILE_BYTES)} at most."
        )
    return ""


def is_briefing_file(path: str) -> bool:
    return PurePosixPath(path).suffix.lower() in SUPPORTED_SUFFIXES


def read_member(archive, info: zipfile.ZipInfo, name: str, unpacked: Budget):
    """A member's bytes, counted as they unpack (a header can understate them), or skipped."""
    shown = f"{name}/{info.filename}"
    if not is_briefing_file(info.filename):
        return FileResult(shown, "skipped", "not a briefing file: only .md and .txt files are read")
    with archive.open(info) as member:
        data = read_at_most(member, MAX_FILE_BYTES, shown)
    unpacked.spend(len(data), name)
    return FileInMemory(shown, data)
