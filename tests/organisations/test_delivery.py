"""
Delivery counts seats like memberships, because a seat is one: a tier-wide send reaches
seat holders, stops reaching them once removed, and their e-mail and feed render for the
status they have when sent or read (the leak audit checks every channel's text).
"""

import pytest
from django.utils import timezone

from delivery import recipients
from members.access import Audience
from organisations import services
from organisations.models import Seat
from tests.factories import LicenceFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_tier_send_reaches_seat_holders_until_they_are_removed():
    licence = LicenceFactory(tier=Audience.LEADERSHIP_ALLIANCE)
    holder = services.seat_take(licence=licence, user=UserFactory(), via=Seat.Via.INVITATION)
    outsider = UserFactory()
    now = timezone.now()
    reached = recipients.tier_member_ids(Audience.LEADERSHIP_ALLIANCE, now=now)
    assert holder.user.pk in reached and outsider.pk not in reached
    services.seat_remove(seat=holder, by=None)
    later = timezone.now()
    assert holder.user.pk not in recipients.tier_member_ids(Audience.LEADERSHIP_ALLIANCE, now=later)
