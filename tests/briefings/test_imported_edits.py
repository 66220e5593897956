"""
Editing an imported briefing in the admin: its sections are numbered from 0 and written in
bulk, and its text has the line endings of the file, not of a browser.
"""

import pytest

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
