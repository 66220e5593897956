"""Revision history: who changed what and when, comparing versions, restoring one."""

import pytest
from django.urls import reverse

from briefings import revisions, workflow
from briefings.models import Briefing
from members.access import Audience
from tests.briefings.newsroom import change_url, form_data
from tests.factories import SourceFactory, StaffFactory, ready_briefing

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    user = StaffFactory(group="editors")
    client.force_login(user)
    return user


def sections_of(briefing):
    return [(s.heading, s.audience, s.body) for s in briefing.sections.order_by("position")]


def citations_of(briefing):
    return [(c.source_id, c.note) for c in briefing.citations.order_by("position")]


def rewrite(client, briefing, **changes):
    """Save the change form as an editor would: new title, sections and sources."""
    briefing.refresh_from_db()
    response = client.post(change_url(briefing), form_data(briefing, **changes))
    assert response.status_code == 302, response.content.decode()[:2000]
    briefing.refresh_from_db()


def test_restoring_an_earlier_version_brings_back_its_sections_and_citations(client, editor):
    briefing = ready_briefing(title="First headline")
    [fact] = briefing.sections.all()
    [first_citation] = briefing.citations.all()
    rewrite(
        client,
        briefing,
        sections=[
            {
                "id": fact.pk,
                "position": 1,
                "heading": "The fact",
                "audience": 0,
                "body": "First public text.",
            },
            {"position": 2, "heading": "Deeper context", "audience": 1, "body": "Members' text."},
        ],
    )
    version_two = briefing.history.first()
    before = (sections_of(briefing), citations_of(briefing), briefing.title)

    other = SourceFactory()
    rewrite(
        client,
        briefing,
        title="Second headline",
        sections=[
            {
                "id": fact.pk,
                "position": 1,
                "heading": "The fact, revised",
                "audience": 0,
                "body": "Rewritten.",
            },
            {
                "id": briefing.sections.get(heading="Deeper context").pk,
                "position": 2,
                "heading": "Deeper context",
                "audience": 1,
                "body": "x",
                "DELETE": "on",
            },
            {"position": 3, "heading": "Failure paths", "audience": 2, "body": "LA text."},
        ],
        citations=[
            {
                "id": first_citation.pk,
                "position": 1,
                "source": first_citation.source_id,
                "note": "",
                "DELETE": "on",
            },
            {"position": 2, "source": other.pk, "note": "A new note."},
        ],
    )
    assert sections_of(briefing) != before[0]
    assert citations_of(briefing) != before[1]

    response = client.post(
        reverse("admin:briefings_briefing_restore", args=[briefing.pk, version_two.history_id])
    )
    assert response.status_code == 302
    briefing.refresh_from_db()
    assert (sections_of(briefing), citations_of(briefing), briefing.title) == before
    assert (
        briefing.sections.get(heading="The fact").body_html.strip() == "<p>First public text.</p>"
    )
    latest = briefing.history.first()
    assert latest.history_change_reason == f"Restored version {version_two.version}"
    assert latest.history_user == editor


def test_restore_keeps_the_publishing_state_and_can_itself_be_undone(client, editor):
    briefing = ready_briefing(title="Draft title")
    original = briefing.history.first()
    workflow.briefing_publish(briefing=briefing, by=editor)
    # A live briefing's edit goes live when the editor publishes the changes.
    rewrite(client, briefing, title="Live title", _publish_changes="Save and publish changes")
    workflow.briefing_restore(briefing=briefing, record=original, by=editor)
    briefing.refresh_from_db()
    assert briefing.title == "Draft title"
    assert briefing.status == Briefing.Status.PUBLISHED

    before_restore = briefing.history.all()[1]
    workflow.briefing_restore(briefing=briefing, record=before_restore, by=editor)
    briefing.refresh_from_db()
    assert briefing.title == "Live title"


def test_restoring_into_a_live_briefing_must_pass_the_checks(client, editor):
    briefing = ready_briefing()
    [fact] = briefing.sections.all()
    row = {"id": fact.pk, "position": 1, "heading": fact.heading, "body": fact.body}
    # A draft version whose only section is gated: fine for a draft.
    rewrite(client, briefing, sections=[{**row, "audience": Audience.LEADERSHIP_ALLIANCE}])
    gated_only = briefing.history.first()
    rewrite(client, briefing, title="Fixed", sections=[{**row, "audience": Audience.PUBLIC}])
    workflow.briefing_publish(briefing=briefing, by=editor)

    url = reverse("admin:briefings_briefing_restore", args=[briefing.pk, gated_only.history_id])
    response = client.post(url, follow=True)
    assert "was not restored" in response.content.decode()
    assert "at least one public section" in response.content.decode()
    briefing.refresh_from_db()
    assert briefing.title == "Fixed"
    assert briefing.sections.get().audience == Audience.PUBLIC
    assert briefing.is_live()


def test_history_page_lists_who_saved_each_version(client, editor):
    briefing = ready_briefing()
    rewrite(client, briefing, title="Edited by the editor")
    response = client.get(reverse("admin:briefings_briefing_history", args=[briefing.pk]))
    content = response.content.decode()
    assert editor.email in content
    assert "Restore version 1" in content


def test_compare_shows_words_removed_and_added_in_fields_and_sections(client, editor):
    briefing = ready_briefing(title="Old headline words")
    old = briefing.history.first()
    [fact] = briefing.sections.all()
    rewrite(
        client,
        briefing,
        title="New headline words",
        sections=[
            {
                "id": fact.pk,
                "position": 1,
                "heading": fact.heading,
                "audience": 0,
                "body": "Public text, revised.",
            },
            {"position": 2, "heading": "Added section", "audience": 1, "body": "Members."},
        ],
    )
    new = briefing.history.first()
    url = reverse("admin:briefings_briefing_compare", args=[briefing.pk])
    response = client.get(url, {"from": new.history_id, "to": old.history_id})
    content = response.content.decode()
    assert "<del>Old</del>" in content
    assert "<ins>New</ins>" in content
    assert "Added section" in content
    assert "(added)" in content
    assert "(changed)" in content


def test_comparison_of_snapshots_without_a_request():
    briefing = ready_briefing()
    first = revisions.snapshot(briefing.history.first())
    assert [s.heading for s in first.sections] == ["The fact"]
    assert len(first.citations) == 1
    editor = StaffFactory(group="editors")
    briefing.sections.update(audience=Audience.PUBLIC)
    workflow.briefing_publish(briefing=briefing, by=editor)
    second = revisions.snapshot(briefing.history.first())
    comparison = revisions.compare(first, second)
    assert [c.label for c in comparison.fields] == ["Status", "Published at"]
    assert not comparison.sections


def test_a_writer_cannot_restore_a_live_briefing(client):
    briefing = ready_briefing()
    record = briefing.history.first()
    workflow.briefing_publish(briefing=briefing, by=StaffFactory(group="editors"))
    client.force_login(StaffFactory(group="writers"))
    url = reverse("admin:briefings_briefing_restore", args=[briefing.pk, record.history_id])
    assert client.post(url).status_code == 403
    assert client.get(url).status_code == 403


def test_restoring_an_unknown_version_is_a_404(client, editor):
    briefing = ready_briefing()
    other = ready_briefing()
    url = reverse(
        "admin:briefings_briefing_restore", args=[briefing.pk, other.history.first().history_id]
    )
    assert client.get(url).status_code == 404


def test_history_says_what_each_version_changed_in_a_fixed_number_of_queries(
    client, editor, django_assert_max_num_queries
):
    briefing = ready_briefing(title="Before")
    url = reverse("admin:briefings_briefing_history", args=[briefing.pk])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        client.get(url)
    queries = len(first.captured_queries)  # the next request clears the query log
    [fact] = briefing.sections.all()
    rewrite(
        client,
        briefing,
        title="After",
        sections=[
            {"id": fact.pk, "position": 1, "heading": fact.heading, "audience": 0, "body": "New."},
            {"position": 2, "heading": "More", "audience": 1, "body": "Members."},
        ],
    )
    for n in range(5):
        rewrite(client, briefing, summary=f"Summary {n}")
    with django_assert_max_num_queries(queries):
        response = client.get(url)
    content = response.content.decode()
    assert "Title, 1 section added, 1 section changed" in content
    assert "Summary</span>" in content


def test_parts_written_in_bulk_count_as_there_from_the_start(client, editor):
    """An import's bulk_create leaves no history rows; a restore must not lose those parts."""
    from briefings.models import Section

    briefing = ready_briefing(title="Imported")
    first = briefing.history.first()
    Section.objects.bulk_create(
        [Section(briefing=briefing, position=5, heading="Bulk", body="Bulk text.", audience=1)]
    )
    bulk = Section.objects.get(heading="Bulk")
    rewrite(client, briefing, title="Edited")  # the admin re-saves nothing unchanged
    assert [s.heading for s in revisions.snapshot(first).sections] == ["The fact", "Bulk"]

    # Once edited, its first row says how it looked, and earlier versions show that.
    bulk.body = "Edited bulk text."
    bulk.save()
    workflow.briefing_restore(briefing=briefing, record=first, by=editor)
    briefing.refresh_from_db()
    assert briefing.title == "Imported"
    assert sections_of(briefing) == [
        ("The fact", Audience.PUBLIC, "Public text."),
        ("Bulk", Audience.STRATEGIC_CIRCLE, "Edited bulk text."),
    ]
