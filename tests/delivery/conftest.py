"""People and briefings for the delivery tests."""

from datetime import timedelta

import pytest
from django.utils import timezone

from delivery.models import DeliveryPreference, Follow
from members.access import Audience
from tests.factories import MembershipFactory, StaffFactory, UserFactory


def member(
    tier=Audience.STRATEGIC_CIRCLE,
    *,
    cadence=DeliveryPreference.Cadence.EACH,
    follows=(),
    lapsed=False,
    tz="UTC",
    hour=8,
    weekday=0,
    **user_fields,
):
    """
    A reader with a verified address and a membership of `tier` (None: no membership;
    `lapsed`: one that ended yesterday), their delivery preference, and a follow of each
    category, region or topic in `follows`.
    """
    user = UserFactory(**user_fields)
    if tier is not None:
        now = timezone.now()
        MembershipFactory(
            user=user,
            tier=tier,
            starts_at=now - timedelta(days=60),
            ends_at=now - timedelta(days=1) if lapsed else None,
        )
    DeliveryPreference.objects.filter(user=user).update(
        cadence=cadence, timezone=tz, digest_hour=hour, digest_weekday=weekday
    )
    for target in follows:
        Follow.objects.create(user=user, **{type(target)._meta.model_name: target})
    return user


@pytest.fixture
def editor():
    return StaffFactory(group="editors")


@pytest.fixture
def writer():
    return StaffFactory(group="writers")
