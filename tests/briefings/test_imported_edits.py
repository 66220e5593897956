"""
Editing an imported briefing in the admin: its sections are numbered from 0 and written in
bulk, and its text has the line endings of the file, not of a browser.
"""

import pytest

from briefings import revisions
from briefings.importing import briefing_save_from_document, parse_markdown
from briefings.models import Briefing
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
