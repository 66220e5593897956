"""Import goes through the editorial workflow: a file that says it is live is checked first."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from briefings import workflow
from briefings.importing import briefings_import
from briefings.models import Briefing, Category, Section, Source
from members.access import Audience
from tests.briefings.helpers import write
from tests.briefings.test_commands import run
from tests.briefings.test_importing import GOOD
from tests.factories import BriefingFactory

pytestmark = pytest.mark.django_db

NO_PUBLIC_TEXT = GOOD.replace("## The fact\nPublic text.", "## The fact {access=strategic-circle}")
NO_IMPACT = GOOD.replace("impact: medium\n", "")


def test_a_published_file_that_fails_the_checks_is_reported_and_writes_nothing(tmp_path):
    path = write(tmp_path / "gated.md", NO_PUBLIC_TEXT)
    out, err = run("import_briefings", str(path))
    assert f"failed: {path}: it says published but cannot go live: " in err
    assert "Add at least one public section with text" in err
    assert "0 created, 0 updated, 0 skipped, 1 failed" in out
    assert Briefing.objects.count() == Section.objects.count() == Source.objects.count() == 0
    assert Category.objects.count() == 0


def test_every_problem_is_named_in_the_report(tmp_path):
    text = NO_IMPACT.replace("confidence: 90\n", "").replace(
        "    url: https://example.org/report\n    note: Source note (Leadership Alliance only)\n",
        "",
    )
    report = briefings_import(paths=[write(tmp_path / "bare.md", text)])
    [result] = report.results
    assert result.outcome == "failed"
    assert "A signal briefing needs its impact." in result.message
    assert "A signal briefing needs its confidence (percent)." in result.message
    assert "has no link" in result.message


def test_a_scheduled_file_is_checked_too(tmp_path):
    later = (timezone.now() + timedelta(days=3)).isoformat()
    text = NO_IMPACT.replace("status: published", "status: scheduled").replace(
        "2026-11-20T08:00:00Z", later
    )
    report = briefings_import(paths=[write(tmp_path / "later.md", text)])
    assert "it says scheduled but cannot go live: A signal briefing needs its impact." in (
        report.results[0].message
    )


def test_a_failing_file_does_not_stop_the_new_ones_beside_it(tmp_path):
    write(tmp_path / "a.md", GOOD)
    write(tmp_path / "b.md", NO_IMPACT.replace("title: HKSTP", "title: Second HKSTP"))
    write(tmp_path / "c.md", GOOD.replace("title: HKSTP", "title: Third HKSTP"))
    report = briefings_import(paths=[tmp_path])
    assert [r.outcome for r in report.results] == ["created", "failed", "created"]
    assert Briefing.objects.count() == 2


def test_a_draft_is_not_checked(tmp_path):
    draft = NO_IMPACT.replace("status: published", "status: draft")
    report = briefings_import(paths=[write(tmp_path / "draft.md", draft)])
    assert report.results[0].outcome == "created"
    assert Briefing.objects.get().status == Briefing.Status.DRAFT


def test_a_file_published_for_later_is_scheduled_as_the_publish_button_would(tmp_path):
    later = timezone.now() + timedelta(days=2)
    text = GOOD.replace("2026-11-20T08:00:00Z", later.isoformat())
    briefings_import(paths=[write(tmp_path / "later.md", text)])
    briefing = Briefing.objects.get()
    assert briefing.status == Briefing.Status.SCHEDULED
    assert briefing.published_at == later
    assert not Briefing.objects.published().exists()


def test_an_update_that_takes_a_draft_live_is_checked(tmp_path):
    path = write(tmp_path / "good.md", NO_IMPACT.replace("status: published", "status: draft"))
    run("import_briefings", str(path))
    write(path, NO_IMPACT)
    _, err = run("import_briefings", str(path), "--update")
    assert "it says published but cannot go live" in err
    assert Briefing.objects.get().status == Briefing.Status.DRAFT


def test_go_live_checks_the_parts_it_is_given_and_saves_nothing():
    briefing = BriefingFactory(status=Briefing.Status.DRAFT, published_at=None)
    gated = Section(briefing=briefing, body="Text", audience=Audience.STRATEGIC_CIRCLE)
    with pytest.raises(ValidationError, match="public section"):
        workflow.go_live(briefing, sections=[gated], citations=[])
    public = Section(briefing=briefing, heading="Fact", body="Text")
    assert workflow.go_live(briefing, sections=[public], citations=[]) == "Published"
    assert briefing.status == Briefing.Status.PUBLISHED and briefing.published_at is not None
    briefing.refresh_from_db()
    assert briefing.status == Briefing.Status.DRAFT
