"""Staff preview as each audience: exactly that audience's page, for staff only, uncached."""

import pytest
from django.urls import reverse

from briefings.models import Briefing
from members.access import Audience
from tests.factories import (
    MembershipFactory,
    SectionFactory,
    StaffFactory,
    UserFactory,
    ready_briefing,
)

pytestmark = pytest.mark.django_db

PUBLIC_TEXT = "Public text."
CIRCLE_TEXT = "Strategic Circle only: demo trend context."
ALLIANCE_TEXT = "Leadership Alliance only: demo failure paths."


@pytest.fixture
def draft():
    briefing = ready_briefing(title="A draft under embargo")
    SectionFactory(
        briefing=briefing, heading="Deeper", audience=Audience.STRATEGIC_CIRCLE, body=CIRCLE_TEXT
    )
    SectionFactory(
        briefing=briefing,
        heading="Failure paths",
        audience=Audience.LEADERSHIP_ALLIANCE,
        body=ALLIANCE_TEXT,
    )
    return briefing


def preview_url(briefing, audience):
    return reverse("admin:briefings_briefing_preview", args=[briefing.pk, audience.slug])


@pytest.mark.parametrize(
    ("audience", "shown", "absent", "banner"),
    [
        (Audience.PUBLIC, [PUBLIC_TEXT], [CIRCLE_TEXT, ALLIANCE_TEXT], "an anonymous reader"),
        (
            Audience.STRATEGIC_CIRCLE,
            [PUBLIC_TEXT, CIRCLE_TEXT],
            [ALLIANCE_TEXT],
            "a Strategic Circle member",
        ),
        (
            Audience.LEADERSHIP_ALLIANCE,
            [PUBLIC_TEXT, CIRCLE_TEXT, ALLIANCE_TEXT],
            [],
            "a Leadership Alliance member",
        ),
    ],
)
def test_preview_shows_a_draft_exactly_as_each_audience_sees_it(
    client, draft, audience, shown, absent, banner
):
    client.force_login(StaffFactory(group="writers"))
    response = client.get(preview_url(draft, audience))
    assert response.status_code == 200
    content = response.content.decode()
    assert f"Preview as {banner}" in content
    assert "A draft under embargo" in content
    for text in shown:
        assert text in content
    for text in absent:
        assert text not in content
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert 'name="robots" content="noindex' in content


def test_the_draft_itself_stays_off_the_public_site(client, draft):
    client.force_login(StaffFactory(group="editors"))
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_preview_is_refused_to_everyone_without_the_permission(client, draft):
    url = preview_url(draft, Audience.LEADERSHIP_ALLIANCE)

    response = client.get(url)
    assert response.status_code == 302
    assert "login" in response["Location"]

    member = UserFactory()
    MembershipFactory(user=member, tier=Audience.LEADERSHIP_ALLIANCE)
    client.force_login(member)  # a reader, even a Leadership Alliance one
    response = client.get(url)
    assert response.status_code == 403
    assert ALLIANCE_TEXT not in response.content.decode()

    client.force_login(StaffFactory(group=None))  # staff without the permission
    assert client.get(url).status_code == 403


def test_preview_of_unknown_audience_or_briefing_is_a_404(client, draft):
    client.force_login(StaffFactory(group="editors"))
    url = reverse("admin:briefings_briefing_preview", args=[draft.pk, "everyone"])
    assert client.get(url).status_code == 404
    missing = Briefing.objects.order_by("-pk").first().pk + 100
    url = reverse("admin:briefings_briefing_preview", args=[missing, "public"])
    assert client.get(url).status_code == 404


def test_the_change_form_links_to_each_preview(client, draft):
    client.force_login(StaffFactory(group="editors"))
    response = client.get(reverse("admin:briefings_briefing_change", args=[draft.pk]))
    content = response.content.decode()
    for audience in Audience:
        assert preview_url(draft, audience) in content
