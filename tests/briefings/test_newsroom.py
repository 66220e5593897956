"""The newsroom's seams outside BriefingAdmin: list actions, buttons and help texts."""

import pytest

from briefings.admin import BriefingAdmin
from briefings.models import Briefing
from briefings.newsroom import publishing
from briefings.newsroom.forms import audience_help
from members.access import Audience
from tests.factories import StaffFactory


def test_list_actions_keep_the_names_the_change_list_posts():
    assert [action.__name__ for action in BriefingAdmin.actions] == [
        "publish_selected",
        "unpublish_selected",
        "archive_selected",
        "submit_selected_for_review",
    ]
    assert [action.allowed_permissions for action in BriefingAdmin.actions] == [
        ["publish"],
        ["publish"],
        ["publish"],
        ["change"],
    ]


def test_section_audience_help_names_every_audience_from_the_access_rule():
    text = audience_help()
    for audience in Audience:
        assert f"{audience.label}:" in text
    assert "everyone, including search engines" in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("group", "status", "expected"),
    [
        ("writers", Briefing.Status.DRAFT, [publishing.SUBMIT]),
        ("writers", Briefing.Status.REVIEW, [publishing.TO_DRAFT]),
        (
            "editors",
            Briefing.Status.DRAFT,
            [publishing.SUBMIT, publishing.PUBLISH, publishing.ARCHIVE],
        ),
        ("editors", Briefing.Status.PUBLISHED, [publishing.UNPUBLISH, publishing.ARCHIVE]),
        ("editors", Briefing.Status.ARCHIVED, [publishing.PUBLISH, publishing.UNPUBLISH]),
    ],
)
def test_workflow_buttons_follow_status_and_permission(group, status, expected):
    user = StaffFactory(group=group)
    briefing = Briefing(status=status)
    buttons = publishing.workflow_buttons(user, briefing, may_change=True)
    assert [name for name, _ in buttons] == expected


@pytest.mark.django_db
def test_a_form_its_user_may_not_change_offers_no_buttons():
    user = StaffFactory(group="writers")
    briefing = Briefing(status=Briefing.Status.PUBLISHED)
    assert publishing.workflow_buttons(user, briefing, may_change=False) == []
