"""The editorial workflow services: who may publish, what must be true first, and when."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from briefings import workflow
from briefings.models import Briefing
from members.access import Audience
from tests.factories import (
    CitationFactory,
    SectionFactory,
    SourceFactory,
    ready_briefing,
)

pytestmark = pytest.mark.django_db


def test_the_groups_hold_exactly_their_permissions():
    from django.contrib.auth.models import Group

    writers = set(Group.objects.get(name="writers").permissions.values_list("codename", flat=True))
    editors = set(Group.objects.get(name="editors").permissions.values_list("codename", flat=True))
    assert "publish_briefing" not in writers
    assert "delete_briefing" not in writers
    assert {"add_briefing", "change_briefing", "preview_briefing"} <= writers
    assert writers < editors
    assert editors - writers >= {"publish_briefing", "delete_briefing", "change_category"}


def test_a_writer_cannot_publish(writer):
    briefing = ready_briefing()
    with pytest.raises(PermissionDenied):
        workflow.briefing_publish(briefing=briefing, by=writer)
    briefing.refresh_from_db()
    assert briefing.status == Briefing.Status.DRAFT
    assert not Briefing.objects.published().filter(pk=briefing.pk).exists()


@pytest.mark.parametrize("change", ["unpublish", "archive"])
def test_a_writer_cannot_unpublish_or_archive(writer, change):
    briefing = ready_briefing(status=Briefing.Status.PUBLISHED, published_at=timezone.now())
    with pytest.raises(PermissionDenied):
        getattr(workflow, f"briefing_{change}")(briefing=briefing, by=writer)
    briefing.refresh_from_db()
    assert briefing.status == Briefing.Status.PUBLISHED


def test_an_editor_publishes_now_and_history_says_who(editor):
    briefing = ready_briefing()
    version = briefing.version
    workflow.briefing_publish(briefing=briefing, by=editor)
    briefing.refresh_from_db()
    assert briefing.status == Briefing.Status.PUBLISHED
    assert briefing.published_at <= timezone.now()
    assert briefing.version == version + 1
    assert Briefing.objects.published().filter(pk=briefing.pk).exists()
    latest = briefing.history.first()
    assert latest.history_user == editor
    assert latest.history_change_reason == "Published"


def test_a_scheduled_briefing_appears_at_its_time_with_no_job(editor):
    at = timezone.now() + timedelta(hours=3)
    briefing = ready_briefing()
    workflow.briefing_publish(briefing=briefing, by=editor, at=at)
    briefing.refresh_from_db()
    assert briefing.status == Briefing.Status.SCHEDULED
    assert not Briefing.objects.published().filter(pk=briefing.pk).exists()
    just_before = at - timedelta(seconds=1)
    assert not Briefing.objects.published(at=just_before).filter(pk=briefing.pk).exists()
    assert Briefing.objects.published(at=at).filter(pk=briefing.pk).exists()
    assert briefing.is_live(at=at + timedelta(minutes=1))


def test_republishing_keeps_the_original_publish_time(editor):
    first = timezone.now() - timedelta(days=3)
    briefing = ready_briefing(status=Briefing.Status.PUBLISHED, published_at=first)
    workflow.briefing_unpublish(briefing=briefing, by=editor)
    assert not Briefing.objects.published().filter(pk=briefing.pk).exists()
    workflow.briefing_publish(briefing=briefing, by=editor)
    briefing.refresh_from_db()
    assert briefing.published_at == first


def test_archiving_takes_it_off_the_site(editor):
    briefing = ready_briefing(status=Briefing.Status.PUBLISHED, published_at=timezone.now())
    workflow.briefing_archive(briefing=briefing, by=editor)
    assert not Briefing.objects.published().filter(pk=briefing.pk).exists()
    with pytest.raises(ValidationError, match="already archived"):
        workflow.briefing_archive(briefing=briefing, by=editor)


def _publish_problems(editor, briefing):
    with pytest.raises(ValidationError) as caught:
        workflow.briefing_publish(briefing=briefing, by=editor)
    briefing.refresh_from_db()
    assert briefing.status == Briefing.Status.DRAFT
    return " ".join(caught.value.messages)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": ""}, "Give it a title"),
        ({"summary": "  "}, "Write a summary"),
        ({"category": None}, "Choose a category"),
        ({"impact": ""}, "needs its impact"),
        ({"confidence": None}, "needs its confidence"),
    ],
)
def test_pre_publish_checks_on_the_headline(editor, fields, message):
    briefing = ready_briefing(**fields)
    assert message in _publish_problems(editor, briefing)


def test_an_article_needs_no_impact_or_confidence(editor):
    briefing = ready_briefing(kind=Briefing.Kind.ARTICLE, impact="", confidence=None)
    workflow.briefing_publish(briefing=briefing, by=editor)
    assert briefing.status == Briefing.Status.PUBLISHED


def test_pre_publish_needs_a_public_section_with_text(editor):
    briefing = ready_briefing()
    briefing.sections.all().delete()
    SectionFactory(briefing=briefing, audience=Audience.STRATEGIC_CIRCLE, body="Members.")
    SectionFactory(briefing=briefing, audience=Audience.PUBLIC, body="   ")
    assert "at least one public section" in _publish_problems(editor, briefing)


def test_a_citation_needs_a_link_or_a_note_saying_why(editor):
    briefing = ready_briefing()
    unlinked = SourceFactory(title="Conference hallway remarks", url="")
    citation = CitationFactory(briefing=briefing, source=unlinked, note="")
    problems = _publish_problems(editor, briefing)
    assert "Conference hallway remarks" in problems
    assert "has no link" in problems

    citation.note = "Spoken remarks; no recording was published."
    citation.save()
    workflow.briefing_publish(briefing=briefing, by=editor)
    assert briefing.status == Briefing.Status.PUBLISHED


def test_every_problem_is_listed_at_once(editor):
    briefing = ready_briefing(summary="", category=None)
    briefing.sections.all().delete()
    problems = _publish_problems(editor, briefing)
    assert "Write a summary" in problems
    assert "Choose a category" in problems
    assert "public section" in problems


def test_submitting_for_review_tells_the_writer_what_is_missing(writer):
    briefing = ready_briefing(category=None)
    problems = workflow.briefing_submit_for_review(briefing=briefing, by=writer)
    briefing.refresh_from_db()
    assert briefing.status == Briefing.Status.REVIEW
    assert [p.field for p in problems] == ["category"]
    workflow.briefing_return_to_draft(briefing=briefing, by=writer)
    assert briefing.status == Briefing.Status.DRAFT
