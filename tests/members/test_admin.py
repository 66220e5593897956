"""Members in admin: the membership managers group, its pages, filters and search."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from members.access import Audience
from tests.factories import ApplicationFactory, MembershipFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

MANAGER_PAGES = [
    "admin:members_membership_changelist",
    "admin:members_membership_add",
    "admin:members_application_changelist",
    "admin:members_invitation_changelist",
    "admin:members_invitation_add",
    "admin:members_user_changelist",
]


@pytest.fixture
def manager():
    user = StaffFactory()
    user.groups.add(Group.objects.get(name="Membership managers"))
    return user


def test_the_group_holds_exactly_the_membership_permissions():
    group = Group.objects.get(name="Membership managers")
    # Licences are the organisations app's (tests/organisations): only members' here.
    members = group.permissions.filter(content_type__app_label="members")
    assert set(members.values_list("codename", flat=True)) == {
        "view_user",
        "view_membership",
        "add_membership",
        "change_membership",
        "view_application",
        "change_application",
        "view_invitation",
        "add_invitation",
        "change_invitation",
    }


@pytest.mark.parametrize("name", MANAGER_PAGES)
def test_managers_reach_every_members_page(client, manager, name):
    client.force_login(manager)
    assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", MANAGER_PAGES)
def test_other_staff_are_refused(client, name):
    client.force_login(StaffFactory())
    assert client.get(reverse(name)).status_code == 403


def test_managers_cannot_delete_history_or_edit_users(client, manager):
    membership = MembershipFactory()
    client.force_login(manager)
    assert (
        client.get(reverse("admin:members_membership_delete", args=[membership.pk])).status_code
        == 403
    )
    response = client.post(
        reverse("admin:members_user_change", args=[membership.user.pk]), {"email": "x@example.org"}
    )
    assert response.status_code == 403
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403


def test_the_user_page_shows_memberships_inline(client, manager):
    membership = MembershipFactory(note="Speaker at the summit")
    client.force_login(manager)
    body = client.get(
        reverse("admin:members_user_change", args=[membership.user.pk])
    ).content.decode()
    assert "Speaker at the summit" in body
    assert "Strategic Circle" in body


def test_reading_permissions_are_not_offered_on_the_user_form(client):
    admin_user = StaffFactory(is_superuser=True)
    client.force_login(admin_user)
    body = client.get(reverse("admin:members_user_change", args=[admin_user.pk])).content.decode()
    assert "Can change membership" in body
    assert "Can read Leadership Alliance parts" not in body


def test_memberships_filter_by_ending_within_thirty_days(client, manager):
    now = timezone.now()
    soon = MembershipFactory(
        tier=Audience.LEADERSHIP_ALLIANCE,
        ends_at=now + timedelta(days=10),
        user=UserFactory(email="soon@example.org"),
    )
    MembershipFactory(ends_at=now + timedelta(days=90), user=UserFactory(email="later@example.org"))
    MembershipFactory(ends_at=now - timedelta(days=1), user=UserFactory(email="over@example.org"))
    client.force_login(manager)
    body = client.get(
        reverse("admin:members_membership_changelist") + "?status=ending-soon"
    ).content.decode()
    assert soon.user.email in body
    assert "later@example.org" not in body and "over@example.org" not in body
    body = client.get(reverse("admin:members_membership_changelist") + "?tier=2").content.decode()
    assert "soon@example.org" in body and "later@example.org" not in body


def test_search_by_email_and_organisation(client, manager):
    ApplicationFactory(user=UserFactory(email="ada@grid.example"), organisation="Grid Partners")
    ApplicationFactory(user=UserFactory(email="bo@other.example"), organisation="Other Co")
    client.force_login(manager)
    url = reverse("admin:members_application_changelist")
    body = client.get(url + "?q=Grid").content.decode()
    assert "ada@grid.example" in body and "bo@other.example" not in body
    body = client.get(url + "?q=bo@other").content.decode()
    assert "bo@other.example" in body and "ada@grid.example" not in body
    MembershipFactory(user=UserFactory(email="member@grid.example"))
    body = client.get(
        reverse("admin:members_membership_changelist") + "?q=member@grid"
    ).content.decode()
    assert "member@grid.example" in body


def test_application_list_filters_by_status(client, manager):
    ApplicationFactory(user=UserFactory(email="pending@example.org"))
    ApplicationFactory(user=UserFactory(email="declined@example.org"), status="declined")
    client.force_login(manager)
    body = client.get(
        reverse("admin:members_application_changelist") + "?status__exact=pending"
    ).content.decode()
    assert "pending@example.org" in body and "declined@example.org" not in body


def test_deleting_users_in_admin_anonymises_and_keeps_history(client):
    admin_user = StaffFactory(is_superuser=True)
    member = UserFactory(email="leaving@example.org")
    membership = MembershipFactory(user=member)
    client.force_login(admin_user)
    assert client.get(reverse("admin:members_user_delete", args=[member.pk])).status_code == 403
    client.post(
        reverse("admin:members_user_changelist"),
        {"action": "delete_accounts", "_selected_action": [member.pk, admin_user.pk]},
    )
    member.refresh_from_db()
    membership.refresh_from_db()
    assert member.email != "leaving@example.org" and not member.is_active
    assert membership.ends_at is not None
    admin_user.refresh_from_db()
    assert admin_user.is_active  # never yourself


def test_a_membership_that_ends_before_it_starts_is_refused_with_a_message(client, manager):
    member = UserFactory()
    client.force_login(manager)
    response = client.post(
        reverse("admin:members_membership_add"),
        {
            "user": member.pk,
            "tier": Audience.LEADERSHIP_ALLIANCE.value,
            "source": "complimentary",
            "starts_at_0": "2027-01-10",
            "starts_at_1": "00:00:00",
            "ends_at_0": "2027-01-01",
            "ends_at_1": "00:00:00",
            "note": "Kept when the form comes back",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "A membership cannot end before it starts." in body
    assert "Kept when the form comes back" in body
    assert not member.memberships.exists()
