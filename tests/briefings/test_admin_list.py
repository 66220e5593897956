"""The briefing change list's filters say what its status column says."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from briefings.models import Briefing
from tests.factories import BriefingFactory, StaffFactory

pytestmark = pytest.mark.django_db


def listed(client, **params) -> set[str]:
    response = client.get(reverse("admin:briefings_briefing_changelist"), params)
    assert response.status_code == 200
    return {briefing.title for briefing in response.context["cl"].result_list}


def test_a_scheduled_briefing_whose_time_has_come_is_listed_as_published(client):
    client.force_login(StaffFactory(group="editors"))
    now = timezone.now()
    Scheduled = Briefing.Status.SCHEDULED
    BriefingFactory(title="Time has come", status=Scheduled, published_at=now - timedelta(hours=1))
    BriefingFactory(title="Still to come", status=Scheduled, published_at=now + timedelta(hours=1))
    BriefingFactory(title="Live", published_at=now - timedelta(days=1))
    BriefingFactory(title="Published for later", published_at=now + timedelta(days=1))
    BriefingFactory(title="Draft", status=Briefing.Status.DRAFT, published_at=None)

    assert listed(client, status="scheduled") == {"Still to come", "Published for later"}
    assert listed(client, status="published") == {"Time has come", "Live"}
    assert listed(client, status="draft") == {"Draft"}
    assert len(listed(client)) == 5
    # The status column agrees with the filter the briefing is under.
    content = client.get(
        reverse("admin:briefings_briefing_changelist"), {"status": "published"}
    ).content.decode()
    assert "Scheduled for" not in content
