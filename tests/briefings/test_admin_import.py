"""
Importing briefing files from admin: the same importer and report as the command, through
the workflow (writers' files arrive as drafts), and bad uploads refused with nothing written.
"""

import io
import time
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from briefings.importing.uploads import MB
from briefings.models import Briefing, Category, Citation, Section, Source
from tests.briefings.helpers import write
from tests.briefings.test_commands import run
from tests.briefings.test_importing import GOOD
from tests.factories import StaffFactory, UserFactory, ready_briefing

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("admin:briefings_briefing_import")
REPORT_URL = reverse("admin:briefings_briefing_import_report")
CHANGELIST_URL = reverse("admin:briefings_briefing_changelist")

SECOND = GOOD.replace("title: HKSTP", "title: Second HKSTP")
DRAFT = GOOD.replace("status: published", "status: draft").replace("title: HKSTP", "title: Draft")
# Published, but with nothing public to read: the pre-publish checks refuse it.
NO_PUBLIC_TEXT = GOOD.replace("## The fact\nPublic text.", "## The fact {access=strategic-circle}")
# An executable renamed: an ELF header (a PE one starts "MZ"), NUL bytes and all.
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4


def upload(name, content):
    return SimpleUploadedFile(name, content.encode() if isinstance(content, str) else content)


def zipped(members: dict, name="briefings.zip", compression=zipfile.ZIP_DEFLATED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for member, content in members.items():
            archive.writestr(member, content)
    return upload(name, buffer.getvalue())


def post_files(client, *files, **data):
    return client.post(IMPORT_URL, {**data, "files": list(files)})


def report(client) -> dict:
    """The report page's lines and summary, after an upload that redirected to it."""
    page = client.get(REPORT_URL)
    assert page.status_code == 200
    return page.context


def report_texts(client) -> list[str]:
    return [line["text"] for line in report(client)["lines"]]


def nothing_written():
    return not any(model.objects.exists() for model in (Briefing, Section, Source, Category))


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def writer_client(client, writer):
    client.force_login(writer)
    return client


# --- Permissions ------------------------------------------------------------------------


@pytest.mark.parametrize("group", ["editors", "writers"])
def test_writers_and_editors_see_the_button_and_the_page(client, group):
    client.force_login(StaffFactory(group=group))
    assert IMPORT_URL in client.get(CHANGELIST_URL).content.decode()
    page = client.get(IMPORT_URL)
    assert page.status_code == 200
    assert 'type="file"' in page.content.decode() and "multiple" in page.content.decode()


def test_staff_who_may_not_add_briefings_get_403_and_no_button(client):
    from django.contrib.auth.models import Permission

    viewer = StaffFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_briefing"))
    client.force_login(viewer)
    changelist = client.get(CHANGELIST_URL)
    assert changelist.status_code == 200
    assert IMPORT_URL not in changelist.content.decode()
    assert client.get(IMPORT_URL).status_code == 403
    assert post_files(client, upload("a.md", GOOD)).status_code == 403
    assert client.get(REPORT_URL).status_code == 403
    assert nothing_written()


def test_people_who_are_not_staff_are_sent_to_sign_in(client):
    client.force_login(UserFactory())
    assert client.get(IMPORT_URL).status_code == 302
    assert post_files(client, upload("a.md", GOOD)).status_code == 302
    assert nothing_written()


def test_an_upload_without_the_csrf_token_is_refused(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert post_files(client, upload("a.md", GOOD)).status_code == 403
    assert nothing_written()


# --- The same importer, the same report ---------------------------------------------------


def test_the_report_is_the_commands(editor_client, tmp_path, monkeypatch):
    files = {"a.md": GOOD, "b.md": NO_PUBLIC_TEXT.replace("HKSTP", "B"), "c.txt": "one line"}
    for name, text in files.items():
        write(tmp_path / name, text)
    monkeypatch.chdir(tmp_path)
    with transaction.atomic():
        out, err = run("import_briefings", *files)
        transaction.set_rollback(True)
    assert not Briefing.objects.exists()

    response = post_files(editor_client, *(upload(n, t) for n, t in files.items()))
    assert response.status_code == 302
    assert response.url == REPORT_URL
    context = report(editor_client)
    shown = [line["text"] for line in context["lines"]]
    shown += [f"    {note}" for line in context["lines"] for note in line["notes"]]
    printed = (out + err).splitlines()
    summary, taxonomy, exit_error = (
        "Import finished: 1 created, 0 updated, 0 skipped, 2 failed.",
        "New taxonomy: category 'Datacenter', region 'Asia Pacific', topic 'Technology'.",
        "2 file(s) could not be imported.",
    )
    assert {summary, taxonomy, exit_error} <= set(printed)
    assert sorted(shown) == sorted(set(printed) - {summary, taxonomy, exit_error})
    assert context["summary"] == summary
    assert context["created_taxonomy"] == [
        "category 'Datacenter'",
        "region 'Asia Pacific'",
        "topic 'Technology'",
    ]


def test_the_report_page_links_each_imported_briefing(editor_client):
    post_files(editor_client, upload("a.md", GOOD))
    briefing = Briefing.objects.get()
    page = editor_client.get(REPORT_URL).content.decode()
    assert reverse("admin:briefings_briefing_change", args=[briefing.pk]) in page
    assert f"created: {briefing.slug} (a.md)" in page


def test_a_briefing_that_exists_is_skipped_unless_replacing_is_ticked(editor_client):
    post_files(editor_client, upload("a.md", GOOD))
    post_files(editor_client, upload("a.md", GOOD.replace("Public text.", "New text.")))
    [line] = report_texts(editor_client)
    assert line.startswith("skipped: a.md: a briefing with the slug")
    assert "tick “Replace briefings that exist already” to replace it" in line
    post_files(
        editor_client, upload("a.md", GOOD.replace("Public text.", "New text.")), update="on"
    )
    assert report_texts(editor_client)[0].startswith("updated: ")
    assert Section.objects.filter(body="New text.").exists()


def test_the_uploader_is_recorded_in_the_history(editor_client, editor):
    post_files(editor_client, upload("a.md", GOOD), upload("b.md", SECOND))
    for briefing in Briefing.objects.all():
        assert briefing.history.get().history_user == editor
        assert {record.history_user for record in Section.history.filter(briefing=briefing)} == {
            editor
        }
    changelist = editor_client.get(CHANGELIST_URL).content.decode()
    assert editor.email in changelist  # the list's last editor


# --- Through the workflow ----------------------------------------------------------------


def test_a_writers_published_file_arrives_as_a_draft(writer_client):
    no_time = GOOD.replace("published_at: 2026-11-20T08:00:00Z\n", "")
    post_files(writer_client, upload("a.md", no_time))
    briefing = Briefing.objects.get()
    assert briefing.status == Briefing.Status.DRAFT
    assert briefing.published_at is None
    assert not Briefing.objects.published().exists()
    [line] = report(writer_client)["lines"]
    assert line["outcome"] == "created"
    assert (
        "note: imported as a draft: only editors can publish (the file says published)"
        in (line["notes"])
    )
    assert not any("published as of" in note for note in line["notes"])


def test_a_writers_scheduled_file_arrives_as_a_draft_and_review_stays_review(writer_client):
    later = (timezone.now() + timedelta(days=2)).isoformat()
    scheduled = GOOD.replace("status: published", "status: scheduled").replace(
        "2026-11-20T08:00:00Z", later
    )
    review = SECOND.replace("status: published", "status: review")
    post_files(writer_client, upload("a.md", scheduled), upload("b.md", review))
    statuses = dict(Briefing.objects.values_list("title", "status"))
    assert sorted(statuses.values()) == [Briefing.Status.DRAFT, Briefing.Status.REVIEW]


def test_a_writer_cannot_replace_a_published_briefing(writer_client, editor):
    briefing = ready_briefing(slug="hkstp-and-sensetime-partner-on-hong-kong-ai-data-centre")
    from briefings import workflow

    workflow.briefing_publish(briefing=briefing, by=editor)
    post_files(writer_client, upload("a.md", DRAFT.replace("title: Draft", "title: HKSTP")))
    post_files(writer_client, upload("a.md", GOOD), update="on")
    [line] = report_texts(writer_client)
    assert line.startswith("failed: a.md: the briefing")
    assert "is published: only editors can replace it; nothing changed" in line
    briefing.refresh_from_db()
    assert briefing.status == Briefing.Status.PUBLISHED
    assert list(briefing.sections.values_list("body", flat=True)) == ["Public text."]


def test_an_editors_published_file_that_passes_the_checks_goes_live(editor_client, client):
    post_files(editor_client, upload("a.md", GOOD))
    briefing = Briefing.objects.get()
    assert briefing.status == Briefing.Status.PUBLISHED
    assert Briefing.objects.published().filter(pk=briefing.pk).exists()
    assert Client().get(briefing.get_absolute_url()).status_code == 200


def test_an_editors_published_file_that_fails_the_checks_is_reported_and_not_written(
    editor_client,
):
    post_files(editor_client, upload("bad.md", NO_PUBLIC_TEXT), upload("good.md", SECOND))
    failed, created = report(editor_client)["lines"]
    assert failed["text"].startswith("failed: bad.md: it says published but cannot go live: ")
    assert "Add at least one public section with text" in failed["text"]
    assert created["outcome"] == "created"
    assert Briefing.objects.get().title.startswith("Second HKSTP")
    assert Citation.objects.count() == 1


# --- Bad uploads ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (ELF, "evil.md, line 1: binary data: this is not a briefing text file"),
        (b"MZ\x90\x00\x03\x00\x00\x00" + ELF, "evil.md, line 1: binary data"),
        (b"---\ntitle: \xff\xfe\n", "evil.md, line 2: not UTF-8 text"),
    ],
    ids=["elf", "pe", "not-utf8"],
)
def test_a_renamed_executable_is_refused_and_the_good_files_beside_it_imported(
    editor_client, content, reason
):
    post_files(editor_client, upload("evil.md", content), upload("good.md", GOOD))
    failed, created = report(editor_client)["lines"]
    assert failed["outcome"] == "failed"
    assert reason in failed["text"]
    assert created["outcome"] == "created"
    assert Briefing.objects.count() == 1


def test_a_file_of_another_type_is_reported_and_the_others_imported(editor_client):
    post_files(editor_client, upload("photo.png", b"\x89PNG\r\n\x1a\n"), upload("a.md", GOOD))
    failed, created = report_texts(editor_client)
    assert failed == (
        "failed: photo.png: not a briefing file: expected a .md file, a .txt page export "
        "or a .zip of them"
    )
    assert created.startswith("created: ")


def refused(response) -> str:
    """The refusal on the upload page: it is shown again, with its errors and nothing done."""
    assert response.status_code == 200
    content = response.content.decode()
    assert "Nothing was imported: see why below." in content
    return " ".join(response.context["form"].errors["files"])


def test_a_50_mb_image_is_refused_quickly_without_being_read_whole(editor_client):
    image = upload("photo.jpg", b"\xff\xd8\xff\xe0" + bytes(50 * MB))
    started = time.monotonic()
    response = post_files(editor_client, image, upload("a.md", GOOD))
    assert time.monotonic() - started < 10
    assert "photo.jpg is over 5 MB, the limit for a file." in refused(response)
    assert nothing_written()


@pytest.fixture
def stored_bytes(monkeypatch):
    """How many bytes of uploads Django's own handlers were given to store."""
    stored = []
    for handler in (MemoryFileUploadHandler, TemporaryFileUploadHandler):
        original = handler.receive_data_chunk

        def receive(self, raw_data, start, original=original):
            if getattr(self, "activated", True):  # the memory handler passes large files on
                stored.append(len(raw_data))
            return original(self, raw_data, start)

        monkeypatch.setattr(handler, "receive_data_chunk", receive)
    return stored


def test_the_image_is_not_stored_past_the_limit(editor_client, stored_bytes):
    image = upload("photo.jpg", b"\xff\xd8\xff\xe0" + bytes(50 * MB))
    refused(post_files(editor_client, image))
    assert 0 < sum(stored_bytes) <= 5 * MB


def test_an_upload_declared_over_the_limit_is_refused_before_any_file_is_read(editor, stored_bytes):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    token = client.get(IMPORT_URL).context["csrf_token"]
    halves = [upload(f"{n}.zip", bytes(26 * MB)) for n in range(2)]
    # The browser sends the form's token before its files: it is read, the files are not.
    reason = refused(post_files(client, *halves, csrfmiddlewaretoken=str(token)))
    assert "The upload is 52 MB; all files together may be 50 MB at most." in reason
    assert stored_bytes == []
    assert nothing_written()


def test_a_briefing_file_over_5_mb_is_refused(editor_client):
    big = GOOD + "\nMore text.\n" * (5 * MB // 11)
    assert "big.md is over 5 MB" in refused(post_files(editor_client, upload("big.md", big)))
    assert nothing_written()


def test_more_files_than_the_limit_are_refused(editor_client):
    files = [upload(f"{n}.md", GOOD.replace("HKSTP", f"HKSTP {n}")) for n in range(51)]
    assert "Choose at most 50 files at a time" in refused(post_files(editor_client, *files))
    assert nothing_written()


def test_an_empty_upload_asks_for_files(editor_client):
    response = editor_client.post(IMPORT_URL, {})
    assert "Choose one or more files to import." in response.context["form"].errors["files"]


@pytest.mark.parametrize("path", ["../../x.md", "/etc/x.md", "C:/x.md", "a/../../x.md"])
def test_a_zip_with_a_path_outside_itself_is_refused_whole(
    editor_client, tmp_path, monkeypatch, path
):
    (tmp_path / "a" / "b").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "a" / "b")
    archive = zipped({"good.md": GOOD, path: SECOND})
    reason = refused(post_files(editor_client, archive))
    assert f"briefings.zip holds a path outside the archive ({path}): it is not read." in reason
    assert nothing_written()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_zip_bomb_is_refused_by_its_declared_size(editor_client):
    bomb = zipped({"good.md": GOOD, "bomb.md": b"0" * (60 * MB)})
    assert len(bomb) < MB  # it unpacks to sixty times its size
    reason = refused(post_files(editor_client, bomb))
    assert "briefings.zip: bomb.md unpacks to 60 MB; a file may be 5 MB at most." in reason
    assert nothing_written()


def test_zips_that_unpack_to_more_than_the_upload_limit_are_refused(editor_client):
    # Each zip is within the limit; together they unpack to 52 MB, counted as read.
    text = GOOD + "x" * (4 * MB)
    first = zipped({f"{n}.md": text for n in range(7)}, name="one.zip")
    second = zipped({f"{n}.md": text for n in range(6)}, name="two.zip")
    reason = refused(post_files(editor_client, first, second))
    assert "two.zip: the zips unpack to more than 50 MB, the limit for one upload." in reason
    assert nothing_written()


def test_a_zip_whose_headers_understate_its_sizes_is_refused(editor_client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("liar.md", GOOD + "x" * (8 * MB))
    data = bytearray(buffer.getvalue())
    real = (len(GOOD) + 8 * MB).to_bytes(4, "little")
    small = (100).to_bytes(4, "little")
    assert data.count(real) == 2  # the local header and the central directory
    data = data.replace(real, small)
    reason = refused(post_files(editor_client, upload("liar.zip", bytes(data))))
    assert "liar.zip is not a zip that can be read" in reason
    assert nothing_written()


def test_a_zip_inside_a_zip_is_refused(editor_client):
    inner = zipped({"a.md": GOOD}).read()
    reason = refused(post_files(editor_client, zipped({"inner.zip": inner, "b.md": SECOND})))
    assert "briefings.zip holds another zip (inner.zip); zips inside zips are not read." in reason
    assert nothing_written()


def test_a_zip_with_a_link_is_refused(editor_client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("passwd.md")
        link.external_attr = (0o120777 << 16) | 0x20  # a symbolic link, as zip -y stores it
        archive.writestr(link, "/etc/passwd")
    reason = refused(post_files(editor_client, upload("links.zip", buffer.getvalue())))
    assert "links.zip holds a link (passwd.md); links are not followed." in reason


def test_a_zip_with_too_many_entries_is_refused(editor_client):
    archive = zipped({f"{n}.txt": "" for n in range(501)})
    assert "holds 501 entries; a zip may hold 500 at most." in refused(
        post_files(editor_client, archive)
    )


def test_a_file_that_is_not_a_zip_is_refused(editor_client):
    reason = refused(post_files(editor_client, upload("broken.zip", b"PK\x03\x04 not really")))
    assert "broken.zip is not a zip that can be read" in reason


def test_a_zip_with_one_bad_file_imports_the_rest_and_skips_other_types(editor_client, monkeypatch):
    def extract(*args, **kwargs):
        raise AssertionError("a zip is read in memory, never extracted")

    monkeypatch.setattr(zipfile.ZipFile, "extract", extract)
    monkeypatch.setattr(zipfile.ZipFile, "extractall", extract)
    archive = zipped(
        {
            "briefings/a.md": GOOD,
            "briefings/evil.md": ELF,
            "briefings/b.md": SECOND,
            "briefings/picture.png": b"\x89PNG\r\n\x1a\n",
            "__MACOSX/briefings/._a.md": b"\x00\x05\x16\x07",
        }
    )
    post_files(editor_client, archive)
    lines = report_texts(editor_client)
    assert lines[0].startswith("created: ") and lines[0].endswith("(briefings.zip/briefings/a.md)")
    assert lines[1].startswith("failed: briefings.zip/briefings/evil.md, line 1: binary data")
    assert lines[2].startswith("created: ")
    assert lines[3] == (
        "skipped: briefings.zip/briefings/picture.png: not a briefing file: only .md and "
        ".txt files are read"
    )
    assert len(lines) == 4  # the archiver's metadata is not a file the editor put there
    assert Briefing.objects.count() == 2
