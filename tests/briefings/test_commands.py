"""import_briefings, export_briefings and load_demo."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError
from django.urls import reverse

from briefings.importing import writing as services
from briefings.models import Briefing, Category, Citation, Region, Section, Source, Topic
from members.access import Audience
from tests.briefings.helpers import SEED_000, SEED_001, write
from tests.briefings.test_importing import GOOD
from tests.factories import BriefingFactory, CitationFactory, SectionFactory

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue() + str(exc)
    return out.getvalue(), err.getvalue()


def test_import_creates_briefing_taxonomy_sections_and_sources(tmp_path):
    out, err = run("import_briefings", str(write(tmp_path / "good.md", GOOD)))
    assert err == ""
    briefing = Briefing.objects.get()
    assert "created: hkstp-and-sensetime-partner-on-hong-kong-ai-data-centre" in out
    assert "1 created, 0 updated, 0 skipped, 0 failed" in out
    assert "New taxonomy: category 'Datacenter', region 'Asia Pacific', topic 'Technology'" in out
    assert briefing.category.name == "Datacenter" and briefing.category.slug == "datacenter"
    assert [s.audience for s in briefing.sections.all()] == [0, 1, 2]
    assert briefing.sections.get(heading="The fact").body_html == "<p>Public text.</p>"
    citation = briefing.citations.get()
    assert citation.source.url == "https://example.org/report"
    assert citation.note_html == "<p>Source note (Leadership Alliance only)</p>"


def test_existing_taxonomy_is_reused_whatever_the_case(tmp_path):
    Category.objects.create(name="DataCenter", slug="dc")
    out, _ = run("import_briefings", str(write(tmp_path / "good.md", GOOD)))
    assert Category.objects.count() == 1
    assert "category 'Datacenter'" not in out


def test_reimport_is_skipped_without_update_and_replaced_with_it(tmp_path):
    path = write(tmp_path / "good.md", GOOD)
    run("import_briefings", str(path))
    briefing = Briefing.objects.get()
    write(path, GOOD.replace("Public text.", "Corrected text.").replace("  - Second point\n", ""))
    out, err = run("import_briefings", str(path))
    assert "skipped:" in out and "use --update" in out
    assert "0 created, 0 updated, 1 skipped, 0 failed" in out
    assert Section.objects.filter(body="Public text.").exists()

    out, err = run("import_briefings", str(path), "--update")
    assert "updated: hkstp" in out and err == ""
    briefing.refresh_from_db()
    assert briefing.sections.get(heading="The fact").body == "Corrected text."
    assert briefing.key_points == "First point"
    assert Section.objects.count() == 3 and Citation.objects.count() == 1
    assert Source.objects.count() == 1  # the same address is the same source
    assert briefing.version == 2


def test_update_clears_fields_the_file_no_longer_has(tmp_path):
    path = write(tmp_path / "good.md", GOOD)
    run("import_briefings", str(path))
    write(path, GOOD.replace("impact: medium\n", ""))
    run("import_briefings", str(path), "--update")
    assert Briefing.objects.get().impact == ""


def test_a_bad_file_imports_nothing_and_others_still_import(tmp_path):
    write(tmp_path / "a-good.md", GOOD)
    write(tmp_path / "b-bad.md", GOOD.replace("strategic-circle", "platinum"))
    write(tmp_path / "README.rst", "not a briefing, ignored in folders")
    out, err = run("import_briefings", str(tmp_path))
    assert "1 created, 0 updated, 0 skipped, 1 failed" in out
    assert "b-bad.md, line 25: unknown audience 'platinum'" in err
    assert "could not be imported" in err
    assert Briefing.objects.count() == 1


def explode_on_citations(monkeypatch, *, when=lambda citations: True):
    """Make writing citations fail, as a database going away mid-file would."""
    original = services.insert_new

    def insert_new(model, objs):
        if model is Citation and when(objs):
            raise DatabaseError("source store unavailable")
        return original(model, objs)

    monkeypatch.setattr(services, "insert_new", insert_new)


def test_a_failure_while_saving_rolls_back_the_whole_file(tmp_path, monkeypatch):
    # The citations are written last: the briefing, its history, its new taxonomy, its
    # sections and its sources are already in the database when this fails.
    explode_on_citations(monkeypatch)
    _, err = run("import_briefings", str(write(tmp_path / "good.md", GOOD)))
    assert "failed" in err and "source store unavailable" in err
    assert Briefing.objects.count() == Section.objects.count() == 0
    assert Category.objects.count() == Region.objects.count() == Topic.objects.count() == 0
    assert Source.objects.count() == Briefing.history.count() == 0


def test_a_file_that_fails_while_saving_does_not_take_its_batch_with_it(tmp_path, monkeypatch):
    """New briefings are written together; when that fails each is written alone."""
    explode_on_citations(monkeypatch, when=lambda objs: any("Boom" in c.note for c in objs))
    write(tmp_path / "a.md", GOOD)
    write(
        tmp_path / "b.md",
        GOOD.replace("title: HKSTP", "title: Second HKSTP")
        .replace("Datacenter", "Power grids")
        .replace("https://example.org/report", "https://example.org/other")
        .replace("Source note", "Boom note"),
    )
    write(tmp_path / "c.md", GOOD.replace("title: HKSTP", "title: Third HKSTP"))
    out, err = run("import_briefings", str(tmp_path))
    assert "2 created, 0 updated, 0 skipped, 1 failed" in out
    assert "b.md: source store unavailable" in err
    assert set(Briefing.objects.values_list("slug", flat=True)) == {
        "hkstp-and-sensetime-partner-on-hong-kong-ai-data-centre",
        "third-hkstp-and-sensetime-partner-on-hong-kong-ai-data-centre",
    }
    # Nothing of the failed file stays: not its new category, not its new source.
    assert list(Category.objects.values_list("name", flat=True)) == ["Datacenter"]
    assert list(Source.objects.values_list("url", flat=True)) == ["https://example.org/report"]
    assert Citation.objects.count() == 2 and Section.objects.count() == 6
    # The category was created by the first file and reused by the third.
    assert "New taxonomy: category 'Datacenter', region 'Asia Pacific'" in out


def categorised(folder, names):
    """One file per category name, in this order."""
    folder.mkdir(exist_ok=True)
    for i, name in enumerate(names):
        write(
            folder / f"{i:03d}.md",
            GOOD.replace("title: HKSTP", f"title: {i} HKSTP").replace(
                "category: Datacenter", f"category: {name}"
            ),
        )
    return folder


def test_a_batch_creates_its_new_categories_together_and_each_once(tmp_path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    Category.objects.create(name="Power Grids", slug="power-grids")
    folder = categorised(tmp_path / "files", ["Cooling", "Subsea", "power grids", "cooling"] * 3)
    with CaptureQueriesContext(connection) as queries:
        out, err = run("import_briefings", str(folder))
    assert "12 created" in out and err == ""
    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "briefings_category"')]
    assert len(inserts) == 1
    assert sorted(Category.objects.values_list("name", "slug")) == [
        ("Cooling", "cooling"),
        ("Power Grids", "power-grids"),
        ("Subsea", "subsea"),
    ]
    # Each is reported once, by the first file that named it; the stored one is reused.
    assert out.count("new category 'Cooling'") == 1
    assert "created: 0-hkstp" in out.split("new category 'Cooling'")[0]
    assert out.count("new category 'Subsea'") == 1
    assert "Power" not in out.split("New taxonomy:")[1]
    grids = Category.objects.get(name="Power Grids")
    assert Briefing.objects.filter(category=grids).count() == 3


# Letter case, spaces around and inside, punctuation, slugs already taken (by stored terms,
# and by new ones: "Data Céntre" is looked up on its own, after saving those before it),
# names slugify cannot spell. (Letters whose case Python and the database fold differently, such as
# "ß", are looked up as before: the import's cache uses Python's.)
VARIANTS = [
    "Data Centre", "data centre", "DATA CENTRE", "Data  Centre", "Data Céntre",
    '"  Data centre  "', "Data-Centre", "data-centre", "Data Centre 2", "Taken", "taken",
    "TAKEN", "Grid", "東京", "京都", "Énergie", "Data Centre",
]  # fmt: skip


def test_new_categories_get_the_names_and_slugs_one_by_one_creation_gives(tmp_path):
    from django.db import transaction

    from briefings.importing import parse_file
    from briefings.services import taxonomy_get_or_create

    def prepare():
        Category.objects.create(name="Taken elsewhere", slug="taken")
        Category.objects.create(name="Grid", slug="grid-2")
        Category.objects.create(name="Old", slug="data-centre-3")

    folder = categorised(tmp_path / "files", VARIANTS)
    names = [parse_file(path).category for path in sorted(folder.iterdir())]
    assert names[5] == "Data centre"

    # What taxonomy_get_or_create gives, file after file, rolled back afterwards.
    class Undo(Exception):
        pass

    try:
        with transaction.atomic():
            prepare()
            expected_for = [taxonomy_get_or_create(model=Category, name=n)[0].name for n in names]
            expected = sorted(Category.objects.values_list("name", "slug"))
            raise Undo
    except Undo:
        pass
    assert Category.objects.count() == 0
    assert len(expected) == 12  # 3 stored, 9 new

    prepare()
    out, err = run("import_briefings", str(folder))
    assert f"{len(VARIANTS)} created" in out and err == ""
    assert sorted(Category.objects.values_list("name", "slug")) == expected
    got_for = [
        Briefing.objects.get(
            slug=f"{i}-hkstp-and-sensetime-partner-on-hong-kong-ai-data-centre"
        ).category.name
        for i in range(len(VARIANTS))
    ]
    assert got_for == expected_for


def test_imported_briefings_have_their_history_record(tmp_path):
    write(tmp_path / "a.md", GOOD)
    write(tmp_path / "b.md", GOOD.replace("title: HKSTP", "title: Second HKSTP"))
    run("import_briefings", str(tmp_path))
    for briefing in Briefing.objects.all():
        record = briefing.history.get()
        assert record.history_type == "+" and record.title == briefing.title
        assert record.version == 1 and record.category_id == briefing.category_id
    path = write(tmp_path / "a.md", GOOD.replace("Public text.", "Corrected text."))
    run("import_briefings", str(path), "--update")
    briefing = Briefing.objects.get(slug="hkstp-and-sensetime-partner-on-hong-kong-ai-data-centre")
    assert [r.history_type for r in briefing.history.order_by("history_id")] == ["+", "~"]


def test_import_queries_do_not_grow_with_the_number_of_files(tmp_path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def files(folder, count):
        folder.mkdir()
        for i in range(count):
            write(
                folder / f"{i}.md",
                GOOD.replace("title: HKSTP", f"title: {folder.name} {i} HKSTP")
                .replace("Datacenter", f"Category {i % 3}")
                .replace("https://example.org/report", f"https://example.org/{folder.name}/{i}"),
            )
        return folder

    for i in range(3):
        Category.objects.create(name=f"Category {i}")
    Region.objects.create(name="Asia Pacific")
    Topic.objects.create(name="Technology")
    counts = []
    for name, count in (("few", 3), ("many", 30)):
        folder = files(tmp_path / name, count)
        with CaptureQueriesContext(connection) as queries:
            out, err = run("import_briefings", str(folder))
        assert f"{count} created" in out and err == ""
        counts.append(len(queries))
    assert counts[1] == counts[0]
    assert Citation.objects.filter(briefing__slug__startswith="many-").count() == 30


def test_missing_path_and_not_a_briefing_file(tmp_path):
    _, err = run("import_briefings", str(tmp_path / "nope.md"))
    assert "no such file or folder" in err
    _, err = run("import_briefings", str(write(tmp_path / "data.json", "{}")))
    assert "not a briefing file" in err
    assert Briefing.objects.count() == 0


def test_import_seeds_reports_what_it_decided():
    out, err = run("import_briefings", str(SEED_001), str(SEED_000))
    assert err == ""
    assert "2 created" in out
    assert "nothing was imported for them" in out
    assert "no public references" in out
    assert "derived 'Alibaba Cloud executives say" in out
    assert "second copy was dropped" in out
    seed_001 = Briefing.objects.get(slug="hkstp-and-sensetime-partner-on-hong-kong-ai-data-centre")
    assert seed_001.status == Briefing.Status.PUBLISHED and seed_001.is_live()
    assert not seed_001.sections.exclude(audience=Audience.PUBLIC).exists()
    seed_000 = Briefing.objects.get(kind=Briefing.Kind.ARTICLE)
    assert seed_000.status == Briefing.Status.DRAFT


# --- Export and round trip -----------------------------------------------------------------

COMPARED_FIELDS = [
    f.name
    for f in Briefing._meta.concrete_fields
    if f.name not in {"id", "created_at", "updated_at", "version", "category", "region", "topic"}
]


def snapshot():
    result = {}
    for briefing in Briefing.objects.select_related("category", "region", "topic"):
        result[briefing.slug] = {
            "fields": {name: getattr(briefing, name) for name in COMPARED_FIELDS},
            "taxonomy": [
                getattr(briefing, key).name if getattr(briefing, key) else None
                for key in ("category", "region", "topic")
            ],
            "sections": [
                (s.position, s.heading, s.body, s.body_html, s.audience)
                for s in briefing.sections.all()
            ],
            "citations": [
                (
                    c.position,
                    c.source.title,
                    c.source.publisher,
                    c.source.url,
                    c.source.published_on,
                    c.note,
                    c.note_html,
                )
                for c in briefing.citations.select_related("source")
            ],
        }
    return result


def test_export_then_import_into_an_empty_database_gives_equal_briefings(tmp_path):
    run("load_demo")
    odd = BriefingFactory(
        title='Quotes: "colons" and # hashes', summary="Line one\nline two", authors="A, B"
    )
    # Positions are the order in the file; give them as an import numbers them.
    SectionFactory(briefing=odd, position=0, heading="", body="Lead text before any heading.")
    SectionFactory(briefing=odd, position=1, heading="", body="Untitled and gated.", audience=2)
    SectionFactory(briefing=odd, position=2, heading="Code", body="```\n## not a heading\n```")
    CitationFactory(briefing=odd, position=0, source__url="", source__publisher="", note="*Note*")
    before = snapshot()
    assert len(before) >= 15

    out, _ = run("export_briefings", str(tmp_path / "export"))
    assert f"Exported {len(before)} briefing(s)" in out
    Briefing.objects.all().delete()
    Source.objects.all().delete()
    Category.objects.all().delete()
    Region.objects.all().delete()
    Topic.objects.all().delete()

    out, err = run("import_briefings", str(tmp_path / "export"))
    assert err == ""
    assert snapshot() == before


def test_export_includes_gated_sections_and_notes(tmp_path):
    briefing = BriefingFactory(slug="gated")
    SectionFactory(briefing=briefing, heading="Secret", body="Members only.", audience=1)
    CitationFactory(briefing=briefing, note="A note.")
    run("export_briefings", str(tmp_path))
    text = (tmp_path / "gated.md").read_text(encoding="utf-8")
    assert "## Secret {access=strategic-circle}\nMembers only." in text
    assert "note: A note." in text


# --- Demo content -------------------------------------------------------------------------


def test_load_demo_is_idempotent_and_varied():
    run("load_demo")
    count = Briefing.objects.count()
    sections = Section.objects.count()
    out, err = run("load_demo")
    assert err == ""
    assert "already loaded" in out
    assert Briefing.objects.count() == count and Section.objects.count() == sections

    live = Briefing.objects.published()
    assert live.count() >= 14  # 12 of ours and both seeds
    assert live.values("category").distinct().count() >= 4
    assert live.values("region").distinct().count() >= 3
    assert {b.kind for b in live} == {Briefing.Kind.ARTICLE, Briefing.Kind.SIGNAL_BRIEF}
    for tier in (Audience.STRATEGIC_CIRCLE, Audience.LEADERSHIP_ALLIANCE):
        gated = Section.objects.filter(audience=tier)
        assert gated.count() >= 12
        assert all(s.body.startswith("Demo member text:") for s in gated)
    assert Citation.objects.exclude(note="").count() >= 12


def test_load_demo_leaves_edited_briefings_alone():
    run("load_demo")
    Briefing.objects.filter(slug="liquid-cooling-default").update(title="Edited by an editor")
    run("load_demo")
    assert Briefing.objects.get(slug="liquid-cooling-default").title == "Edited by an editor"


def test_updating_a_page_export_keeps_its_publish_time():
    run("import_briefings", str(SEED_001))
    briefing = Briefing.objects.get()
    first = briefing.published_at
    out, err = run("import_briefings", str(SEED_001), "--update")
    assert "updated:" in out and err == ""
    briefing.refresh_from_db()
    assert briefing.published_at == first


def test_imported_markdown_is_sanitised(tmp_path, client):
    text = GOOD.replace(
        "Public text.",
        "<script>alert(1)</script>\n\n<iframe src=https://evil.example></iframe>\n\n"
        "[x](javascript:alert(1))",
    )
    run("import_briefings", str(write(tmp_path / "evil.md", text)))
    briefing = Briefing.objects.get()
    html = client.get(briefing.get_absolute_url()).content.decode()
    assert "<script>alert" not in html
    assert "<iframe" not in html
    assert 'href="javascript:' not in html


@pytest.mark.django_db(transaction=True)
def test_search_documents_are_built_for_every_batch_of_a_real_run(tmp_path, monkeypatch):
    """
    Outside a transaction (as the command runs), batches are indexed beside the import,
    the last one half on each connection.
    """
    from briefings.importing import running as services
    from briefings.models import SearchDocument
    from members import access

    monkeypatch.setattr(services, "IMPORT_BATCH_SIZE", 2)
    for i in range(6):
        write(tmp_path / f"{i}.md", GOOD.replace("title: HKSTP", f"title: Batch {i} HKSTP"))
    out, err = run("import_briefings", str(tmp_path))
    assert "6 created" in out and err == ""
    assert SearchDocument.objects.count() == 6 * len(access.SEARCH_DOCUMENT_AUDIENCES)
    assert not SearchDocument.objects.filter(body="").exists()


def test_imported_briefings_appear_at_once_on_cached_pages(tmp_path):
    from django.test import Client

    from config.caching import PAGE_HEADER

    # Terms that exist already: the import itself saves nothing one by one.
    Category.objects.create(name="Datacenter")
    Region.objects.create(name="Asia Pacific")
    Topic.objects.create(name="Technology")
    list_page = reverse("briefings:list")
    Client().get(list_page)
    assert Client().get(list_page)[PAGE_HEADER] == "hit"
    write(tmp_path / "a.md", GOOD)
    out, _ = run("import_briefings", str(tmp_path))
    assert "1 created" in out
    assert "HKSTP and SenseTime partner" in Client().get(list_page).content.decode()


def test_rows_written_by_copy_fail_as_database_errors():
    """A database error while COPYing parts is Django's, so the import's fallback sees it."""
    briefing = BriefingFactory()
    with pytest.raises(IntegrityError):
        services.insert_new(Section, [Section(briefing=briefing, heading="Bad", position=-1)])


def test_parts_written_by_copy_read_back_as_written():
    briefing = BriefingFactory()
    source = Source.objects.create(title="Wire report", url="https://example.org/w")
    services.insert_new(
        Section,
        [
            Section(briefing=briefing, position=1, heading="Tab\there", body="Line\nnext \\ ok"),
            Section(
                briefing=briefing,
                position=2,
                heading="Gated",
                audience=Audience.LEADERSHIP_ALLIANCE,
            ),
        ],
    )
    services.insert_new(
        Citation, [Citation(briefing=briefing, source=source, note="Ünïcode “quoted”")]
    )
    assert list(
        briefing.sections.order_by("position").values_list("heading", "body", "audience")
    ) == [
        ("Tab\there", "Line\nnext \\ ok", Audience.PUBLIC),
        ("Gated", "", Audience.LEADERSHIP_ALLIANCE),
    ]
    assert briefing.citations.get().note == "Ünïcode “quoted”"
