"""Plain-text e-mails are not HTML: what a person typed arrives as they typed it."""

import pytest
from django.core import mail
from django.urls import reverse

from members.access import APPLICATION_TIER
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_apostrophe_in_an_application_arrives_as_typed(client):
    user = UserFactory(password="!unusable")
    client.force_login(user)
    tier_url = reverse("members:tier", args=[APPLICATION_TIER.slug])
    page = client.get(tier_url)
    form = page.context["form"]
    data = dict.fromkeys(form.fields, "")
    data.update(
        {
            "name": "Ada O'Neill",
            "organisation": "O'Neill & Sons",
            "role": "Head of strategy",
            "reason": "We're building <data centres> & need the failure paths.",
        }
    )
    data = {key: value for key, value in data.items() if key in form.fields}
    response = client.post(tier_url, data)
    assert response.status_code == 302
    received = [m for m in mail.outbox if user.email in m.to]
    assert received
    for message in mail.outbox:
        assert "&#x27;" not in message.subject + message.body
        assert "&amp;" not in message.subject + message.body
    assert any("O'Neill" in m.body for m in mail.outbox)
