"""
The gating matrix: every kind of reader against every gated part of a briefing page.
Each body text must be in the response exactly where the reader may read it and absent
everywhere else: in the HTML, meta tags, attributes and structured data alike, so the
assertions are on the whole response body, not on markup.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from members.access import Audience
from members.models import Membership
from tests.factories import MembershipFactory, StaffFactory, UserFactory
from tests.members.conftest import ALLIANCE_TEXT, CIRCLE_TEXT, NOTE_TEXT, PUBLIC_TEXT

PARTS = {
    "public section": PUBLIC_TEXT,
    "Strategic Circle section": CIRCLE_TEXT,
    "Leadership Alliance section": ALLIANCE_TEXT,
    "source note": NOTE_TEXT,
}

# What each reader may read. Staff read as their own memberships (none here): seeing other
# audiences is the separate, explicit preview, never a side effect of being staff.
ALLOWED = {
    "anonymous": {"public section"},
    "Strategic Circle": {"public section", "Strategic Circle section"},
    "Leadership Alliance": set(PARTS),
    "lapsed Leadership Alliance": {"public section", "Strategic Circle section"},
    "Leadership Alliance starting tomorrow": {"public section", "Strategic Circle section"},
    "staff": {"public section"},
}


def make_reader(kind):
    now = timezone.now()
    if kind == "anonymous":
        return None
    if kind == "staff":
        staff = StaffFactory(is_superuser=True)
        staff.user_permissions.add(Permission.objects.get(codename="preview_briefing"))
        return staff
    user = UserFactory()
    MembershipFactory(user=user, tier=Audience.STRATEGIC_CIRCLE)
    alliance = {
        "user": user,
        "tier": Audience.LEADERSHIP_ALLIANCE,
        "source": Membership.Source.APPLICATION,
    }
    if kind == "Leadership Alliance":
        MembershipFactory(**alliance, ends_at=now + timedelta(days=200))
    elif kind == "lapsed Leadership Alliance":
        MembershipFactory(
            **alliance, starts_at=now - timedelta(days=400), ends_at=now - timedelta(days=1)
        )
    elif kind == "Leadership Alliance starting tomorrow":
        MembershipFactory(
            **alliance, starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=366)
        )
    return user


@pytest.mark.parametrize("kind", list(ALLOWED))
def test_each_part_is_sent_exactly_to_the_readers_allowed_to_read_it(client, gated_briefing, kind):
    reader = make_reader(kind)
    if reader is not None:
        client.force_login(reader)
    response = client.get(reverse("briefings:detail", args=[gated_briefing.slug]))
    assert response.status_code == 200
    body = response.content.decode()
    for part, text in PARTS.items():
        marker = text.split()[0]
        if part in ALLOWED[kind]:
            assert marker in body, f"{kind} should read the {part}"
        else:
            assert marker not in body, f"{kind} must not receive the {part}"


@pytest.mark.parametrize("kind", [k for k in ALLOWED if k != "anonymous"])
def test_has_perm_agrees_with_the_page(gated_briefing, kind):
    reader = make_reader(kind)
    assert reader.has_perm("members.read_strategic_circle") == (
        "Strategic Circle section" in ALLOWED[kind]
    )
    assert reader.has_perm("members.read_leadership_alliance") == (
        "Leadership Alliance section" in ALLOWED[kind]
    )


def test_a_group_cannot_grant_reading_that_memberships_do_not(db):
    user = UserFactory()
    user.user_permissions.add(
        Permission.objects.get(codename="read_leadership_alliance"),
        Permission.objects.get(codename="read_strategic_circle"),
    )
    user = type(user).objects.get(pk=user.pk)  # fresh permission cache
    assert not user.has_perm("members.read_leadership_alliance")
    assert not user.has_perm("members.read_strategic_circle")
    # Other permissions still come from Django's own backend.
    assert not user.has_perm("members.change_membership")
    user.user_permissions.add(Permission.objects.get(codename="change_membership"))
    user = type(user).objects.get(pk=user.pk)
    assert user.has_perm("members.change_membership")


def test_an_inactive_account_reads_nothing_gated(db):
    user = UserFactory(is_active=False)
    MembershipFactory(user=user, tier=Audience.LEADERSHIP_ALLIANCE)
    assert not user.has_perm("members.read_leadership_alliance")
