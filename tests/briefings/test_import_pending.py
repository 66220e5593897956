"""
Importing over a live briefing from admin: a file that says draft or review becomes the
briefing's changes waiting to be published, so readers, search, feeds and caches keep
the live version until an editor publishes them; a file that says published replaces it
live, as "Replace briefings that exist already" asked (as before); the command
(`import_briefings --update`) replaces in place, as its contract says. The search and
sharing fields travel in the format as `meta_title` and `meta_description`.
"""

import pytest
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from briefings.importing import briefings_import
from briefings.importing.exporting import briefings_export
from briefings.models import Briefing, PendingChange, Section, Source
from briefings.pending.workflow import briefing_publish_changes
from config.caching import content_generation
from tests.briefings.helpers import write
from tests.briefings.test_admin_import import post_files, report, upload
from tests.briefings.test_importing import GOOD
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

CHANGED = (
    GOOD.replace("status: published", "status: draft")
    .replace("Public text.", "Rewritten public text from the file.")
    .replace(
        "  - title: Public reference title\n",
        "  - title: A new reference\n    url: https://example.org/new\n"
        "  - title: Public reference title\n",
    )
    .replace(
        "summary: One or two public sentences.",
        "summary: A rewritten summary.\n"
        "meta_title: Cranes and compute in Hong Kong\n"
        "meta_description: What the AI data centre adds.",
    )
)


@pytest.fixture
def editor():
    return StaffFactory(group="editors")


@pytest.fixture
def live(client, editor):
    client.force_login(editor)
    post_files(client, upload("a.md", GOOD))
    briefing = Briefing.objects.get()
    assert briefing.status == Briefing.Status.PUBLISHED
    return briefing


def test_a_draft_file_over_a_live_briefing_becomes_its_pending_change(client, editor, live):
    client.logout()
    page = client.get(live.get_absolute_url()).content
    generation = content_generation()
    client.force_login(editor)

    post_files(client, upload("a.md", CHANGED), update="on")

    [line] = report(client)["lines"]
    assert line["outcome"] == "updated"
    assert line["text"] == f"changes waiting to be published: {live.slug} (a.md)"
    assert "readers still see the published version" in line["notes"][0]
    change = PendingChange.objects.get(briefing=live)
    assert change.by == editor
    assert change.data["fields"]["summary"] == "A rewritten summary."
    assert change.data["fields"]["meta_title"] == "Cranes and compute in Hong Kong"
    assert parse_datetime(change.data["fields"]["published_at"]) == live.published_at
    assert change.data["sections"][0]["body"] == "Rewritten public text from the file."
    # The live briefing is as it was, for readers and caches.
    fresh = Briefing.objects.get(pk=live.pk)
    assert (fresh.status, fresh.summary, fresh.meta_title) == (
        Briefing.Status.PUBLISHED,
        "One or two public sentences.",
        "",
    )
    assert not Section.objects.filter(body__contains="Rewritten").exists()
    assert content_generation() == generation
    client.logout()
    assert client.get(live.get_absolute_url()).content == page

    # The editor publishes them as any other changes: the new source is cited.
    assert Source.objects.filter(title="A new reference").exists()
    briefing_publish_changes(briefing=fresh, by=editor)
    page = client.get(live.get_absolute_url()).content.decode()
    assert "Rewritten public text from the file." in page and "A new reference" in page
    assert "<title>Cranes and compute in Hong Kong</title>" in page


def test_a_published_file_over_a_live_briefing_still_replaces_it_live(client, editor, live):
    client.force_login(editor)
    post_files(client, upload("a.md", GOOD.replace("Public text.", "Replaced live.")), update="on")
    assert report(client)["lines"][0]["text"].startswith("updated: ")
    assert not PendingChange.objects.exists()
    assert Section.objects.filter(briefing=live, body="Replaced live.").exists()


def test_the_command_replaces_in_place_as_its_contract_says(tmp_path, live):
    briefings_import(paths=[write(tmp_path / "a.md", CHANGED)], update=True)
    live.refresh_from_db()
    assert live.status == Briefing.Status.DRAFT  # what the file says, as before
    assert live.summary == "A rewritten summary."
    assert not PendingChange.objects.exists()


def test_meta_fields_go_through_export_and_import(tmp_path, client, editor):
    client.force_login(editor)
    post_files(client, upload("a.md", CHANGED.replace("status: draft", "status: published")))
    briefing = Briefing.objects.get()
    assert briefing.meta_title == "Cranes and compute in Hong Kong"
    assert briefing.meta_description == "What the AI data centre adds."
    briefings_export(directory=tmp_path)
    [exported] = list(tmp_path.glob("*.md"))
    text = exported.read_text()
    assert "meta_title: Cranes and compute in Hong Kong" in text
    Briefing.objects.all().delete()
    briefings_import(paths=[exported])
    again = Briefing.objects.get()
    assert (again.meta_title, again.meta_description) == (
        briefing.meta_title,
        briefing.meta_description,
    )


def test_the_report_links_a_pending_import_to_its_briefing(client, editor, live):
    client.force_login(editor)
    post_files(client, upload("a.md", CHANGED), update="on")
    page = client.get(reverse("admin:briefings_briefing_import_report")).content.decode()
    assert reverse("admin:briefings_briefing_change", args=[live.pk]) in page
