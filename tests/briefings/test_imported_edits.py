"""
Editing an imported briefing in the admin: its sections are numbered from 0 and written in
bulk, and its text has the line endings of the file, not of a browser.
"""

import pytest
from django.urls import reverse

from briefings import revisions
from briefings.importing import briefing_save_from_document, parse_markdown
from briefings.models import Briefing, Citation, Section
from tests.briefings.newsroom import change_url, form_data
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

IMPORTED = """---
kind: signal-brief
title: Harbour cranes automate the container terminal
summary: Port operators report a shift in terminal automation.
status: draft
category: Ports
key_points:
  - First point
  - Second point
operating_surface:
  - Quay cranes
  - Yard planning
what_to_watch:
  - Union talks
  - Second terminal
sources:
  - title: Port authority report
    url: https://example.org/port
    note: A note
---

Opening paragraph that runs on from the standfirst.

## The fact
Public text.

## The trend
Trend text.

## The risk {access=strategic-circle}
Members' text.

## The outlook {access=leadership-alliance}
Leadership text.
"""


def imported_briefing() -> Briefing:
    document = parse_markdown(IMPORTED, path="imported.md")
    return briefing_save_from_document(document=document).briefing


def browser_form(briefing, **overrides) -> dict:
    """The change form as a browser posts it: text areas with \\r\\n line endings."""
    data = form_data(briefing, **overrides)
    return {
        key: value.replace("\n", "\r\n") if isinstance(value, str) else value
        for key, value in data.items()
    }


@pytest.fixture
def editor_client(client):
    client.force_login(StaffFactory(group="editors"))
    return client


def test_editing_the_opening_section_keeps_every_section_in_its_place(editor_client):
    briefing = imported_briefing()
    sections = list(briefing.sections.order_by("position"))
    assert [s.position for s in sections] == [0, 1, 2, 3, 4]
    assert sections[0].heading == ""
    data = form_data(briefing)
    data["sections-0-body"] = "Opening paragraph that runs on from the summary."

    response = editor_client.post(change_url(briefing), data)

    assert response.status_code == 302
    after = list(briefing.sections.order_by("position", "id"))
    assert [(s.pk, s.position) for s in after] == [(s.pk, s.position) for s in sections]
    assert after[0].body == "Opening paragraph that runs on from the summary."


def test_a_section_added_in_admin_without_a_position_goes_after_the_others(editor_client):
    briefing = imported_briefing()
    rows = [
        {
            "id": s.pk,
            "position": s.position,
            "heading": s.heading,
            "audience": s.audience,
            "body": s.body,
        }
        for s in briefing.sections.all()
    ]
    added = {"position": "", "heading": "Added", "audience": 0, "body": "New text."}

    editor_client.post(change_url(briefing), form_data(briefing, sections=[*rows, added]))

    positions = dict(briefing.sections.values_list("heading", "position"))
    assert positions == {
        "": 0,
        "The fact": 1,
        "The trend": 2,
        "The risk": 3,
        "The outlook": 4,
        "Added": 5,
    }


# --- Line endings --------------------------------------------------------------------------

TEXT_FIELDS = ["summary", "key_points", "operating_surface", "watch_items"]


def test_the_first_admin_save_of_an_imported_briefing_changes_only_what_was_edited(
    editor_client,
):
    briefing = imported_briefing()
    assert "\n" in briefing.key_points
    data = browser_form(briefing)
    data["sections-1-body"] = "Public text,\r\nedited."

    response = editor_client.post(change_url(briefing), data)

    assert response.status_code == 302
    briefing.refresh_from_db()
    for name in TEXT_FIELDS:
        assert "\r" not in getattr(briefing, name)
    assert briefing.sections.get(heading="The fact").body == "Public text,\nedited."
    newer, older = revisions.snapshots(briefing)[:2]
    assert revisions.compare(older, newer).fields == []
    assert revisions.change_summary(older, newer) == ["1 section changed"]


def test_the_form_does_not_report_an_unchanged_text_area_as_changed(editor_client):
    from briefings.newsroom.forms import BriefingForm

    briefing = imported_briefing()
    form = BriefingForm(browser_form(briefing), instance=briefing)
    assert not set(TEXT_FIELDS) & set(form.changed_data)


def crlf_document(title: str):
    """An imported document whose text has \r\n line endings, as an upload's parser might give."""
    document = parse_markdown(IMPORTED.replace("Harbour", title), path=f"{title}.md")
    document.fields["key_points"] = "First point\r\nSecond point"
    document.fields["watch_items"] = "Union talks\rSecond terminal"
    document.sections[1].body = "Public text,\r\nacross lines."
    document.sources[0].note = "A note\r\non two lines"
    return document


def test_a_file_with_other_line_endings_reads_as_the_same_briefing():
    crlf = parse_markdown(IMPORTED.replace("\n", "\r\n"), path="crlf.md")
    assert crlf == parse_markdown(IMPORTED, path="crlf.md")


def test_imported_text_is_stored_with_newlines():
    from django.db import transaction

    from briefings.importing.lookups import ImportLookups
    from briefings.importing.writing import briefing_prepare, briefings_create

    briefing_save_from_document(document=crlf_document("One by one"))
    lookups = ImportLookups()
    documents = [crlf_document("Batch one"), crlf_document("Batch two")]
    lookups.prefetch(documents)
    with transaction.atomic():  # the batch writer: bulk_create and COPY
        briefings_create(
            prepared=[
                briefing_prepare(document=d, existing=None, lookups=lookups) for d in documents
            ],
            lookups=lookups,
        )

    assert Briefing.objects.count() == 3
    for briefing in Briefing.objects.all():
        assert briefing.key_points == "First point\nSecond point"
        assert briefing.watch_items == "Union talks\nSecond terminal"
        assert briefing.sections.get(position=1).body == "Public text,\nacross lines."
        assert briefing.citations.get().note == "A note\non two lines"
        assert briefing.history.get().key_points == "First point\nSecond point"


def test_the_migration_normalises_stored_text_and_its_history():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("briefings.migrations.0009_text_line_endings")
    briefing = imported_briefing()
    # Saved from a browser before line endings were normalised.
    Briefing.objects.filter(pk=briefing.pk).update(key_points="One\r\nTwo")
    Briefing.history.filter(id=briefing.pk).update(key_points="One\r\nTwo")
    Section.objects.filter(briefing=briefing).update(body="A\rB")

    migration.normalise_line_endings(apps, None)

    briefing.refresh_from_db()
    assert briefing.key_points == briefing.history.get().key_points == "One\nTwo"
    assert set(briefing.sections.values_list("body", flat=True)) == {"A\nB"}


def test_restoring_a_version_saved_with_other_line_endings_stores_newlines(editor):
    from briefings import workflow

    briefing = imported_briefing()
    record = briefing.history.get()
    # A version saved before line endings were normalised.
    Briefing.history.filter(pk=record.pk).update(key_points="One\r\nTwo\rThree")
    record.refresh_from_db()

    workflow.briefing_restore(briefing=briefing, record=record, by=editor)

    briefing.refresh_from_db()
    assert briefing.key_points == "One\nTwo\nThree"


# --- History of parts written in bulk -------------------------------------------------------


def edit_section(client, briefing, heading, body):
    briefing.refresh_from_db()
    data = form_data(briefing)
    index = [s.heading for s in briefing.sections.all()].index(heading)
    data[f"sections-{index}-body"] = body
    assert client.post(change_url(briefing), data).status_code == 302


def test_compare_and_restore_see_the_first_edit_of_an_imported_section(editor_client):
    from briefings.newsroom.history import history_record

    briefing = imported_briefing()
    edit_section(editor_client, briefing, "The fact", "Public text, corrected.")
    edit_section(editor_client, briefing, "The trend", "Trend text, corrected.")
    first, third = (
        history_record(briefing, r.history_id)
        for r in revisions.versions(briefing).order_by("history_id")[::2]
    )
    assert (first.version, third.version) == (1, 3)

    compare = editor_client.get(
        reverse("admin:briefings_briefing_compare", args=[briefing.pk]),
        {"from": first.history_id, "to": third.history_id},
    )
    changes = compare.context["comparison"].sections
    assert {(c.change, c.label) for c in changes} == {
        ("changed", "The fact"),
        ("changed", "The trend"),
    }
    assert "<ins>" in compare.content.decode() and "corrected." in compare.content.decode()
    assert "not recorded" not in compare.content.decode()

    restore = editor_client.post(
        reverse("admin:briefings_briefing_restore", args=[briefing.pk, first.history_id]),
        follow=True,
    )
    assert "Version 1 is restored" in restore.content.decode()
    bodies = dict(briefing.sections.values_list("heading", "body"))
    assert bodies["The fact"] == "Public text."
    assert bodies["The trend"] == "Trend text."
    assert briefing.sections.count() == 5


def imported_before_history_of_parts() -> Briefing:
    """An imported briefing whose parts have no history, as imports wrote them before."""
    briefing = imported_briefing()
    Section.history.filter(briefing_id=briefing.pk).delete()
    Citation.history.filter(briefing_id=briefing.pk).delete()
    return briefing


def test_the_migration_records_the_creation_of_parts_without_history(editor_client):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("briefings.migrations.0010_parts_creation_history")
    briefing = imported_before_history_of_parts()
    migration.record_creation(apps, None)
    migration.record_creation(apps, None)  # once only
    assert Section.history.filter(briefing_id=briefing.pk, history_type="+").count() == 5
    assert Citation.history.filter(briefing_id=briefing.pk, history_type="+").count() == 1
    edit_section(editor_client, briefing, "The fact", "Public text, corrected.")

    newer, older = revisions.snapshots(briefing)[:2]
    assert revisions.change_summary(older, newer) == ["1 section changed"]
    assert older.sections[1].body == "Public text."


def test_a_section_first_recorded_at_an_edit_is_flagged_in_compare_and_restore(editor_client):
    briefing = imported_before_history_of_parts()
    edit_section(editor_client, briefing, "The fact", "Public text, corrected.")
    first = briefing.history.get(version=1)
    latest = briefing.history.get(version=2)

    compare = editor_client.get(
        reverse("admin:briefings_briefing_compare", args=[briefing.pk]),
        {"from": first.history_id, "to": latest.history_id},
    )
    note = "1 part was not recorded at version 1"
    assert note in compare.content.decode()

    restore = editor_client.post(
        reverse("admin:briefings_briefing_restore", args=[briefing.pk, first.history_id]),
        follow=True,
    )
    assert note in restore.content.decode()
