"""Renewal reminders (through the task queue to a real SMTP server) and the managers' admin."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from organisations import reminders, services
from organisations.models import Licence, LicenceEvent, LicenceReminder, Seat
from tests.factories import LicenceFactory, StaffFactory, UserFactory
from tests.smtp import SMTPServer, mailers

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    server = SMTPServer()
    settings.MAILERS = mailers(server)
    yield server
    server.stop()


@pytest.fixture
def manager():
    user = StaffFactory(email="manager@publisher.example")
    user.groups.add(Group.objects.get(name="Membership managers"))
    return user


def recipients(smtp) -> list[str]:
    return sorted(address for addresses, _ in smtp.received for address in addresses)


def test_reminders_go_to_client_admins_and_managers_once_per_window(smtp, manager):
    client_admin = UserFactory(email="chief@client.example")
    now = timezone.now()
    ending = LicenceFactory(name="Client Grid Ltd", administrators=[client_admin])
    ending.ends_at = now + timedelta(days=20)
    ending.save()
    LicenceFactory(ends_at=now + timedelta(days=200))  # not yet

    call_command("send_licence_reminders", stdout=io.StringIO())
    assert recipients(smtp) == ["chief@client.example", "manager@publisher.example"]
    subjects = [str(message["Subject"]) for _, message in smtp.received]
    assert any("Client Grid Ltd's licence ends on" in s for s in subjects)
    # Run again (or by a second server): nothing more.
    call_command("send_licence_reminders", stdout=io.StringIO())
    assert len(smtp.received) == 2
    # A week before the end, the second window's reminder; once.
    reminders.licence_reminders_send(at=now + timedelta(days=14))
    reminders.licence_reminders_send(at=now + timedelta(days=15))
    assert len(smtp.received) == 4
    assert set(LicenceReminder.objects.values_list("days_before", flat=True)) == {30, 7}
    assert ending.events.filter(action=LicenceEvent.Action.REMINDED).count() == 2


def test_a_renewal_has_reminders_of_its_own(smtp):
    now = timezone.now()
    licence = LicenceFactory(administrators=[UserFactory()])
    licence.ends_at = now + timedelta(days=5)
    licence.save()
    assert reminders.licence_reminders_send(at=now) == 1
    licence.ends_at = now + timedelta(days=25)
    services.licence_save(licence=licence, by=None)
    assert reminders.licence_reminders_send(at=now) == 1
    assert reminders.licence_reminders_send(at=now) == 0


@pytest.fixture
def admin_client(client, manager):
    client.force_login(manager)
    return client


def test_managers_create_a_licence_in_admin_and_it_is_logged(admin_client, manager):
    now = timezone.now()
    chief = UserFactory(email="chief@client.example")
    response = admin_client.post(
        reverse("admin:organisations_licence_add"),
        {
            "name": "Client Grid Ltd",
            "tier": 2,
            "seat_count": 2,
            "starts_at_0": now.strftime("%Y-%m-%d"),
            "starts_at_1": "00:00:00",
            "ends_at_0": (now + timedelta(days=365)).strftime("%Y-%m-%d"),
            "ends_at_1": "00:00:00",
            "administrators": [chief.pk],
            "domains-TOTAL_FORMS": 1,
            "domains-INITIAL_FORMS": 0,
            "domains-0-domain": "Client.Example",
            "seats-TOTAL_FORMS": 0,
            "seats-INITIAL_FORMS": 0,
            "events-TOTAL_FORMS": 0,
            "events-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    licence = Licence.objects.get()
    assert list(licence.domains.values_list("domain", flat=True)) == ["client.example"]
    created = licence.events.get(action=LicenceEvent.Action.CREATED)
    assert created.actor == manager
    added = licence.events.get(action=LicenceEvent.Action.ADMIN_ADDED)
    assert added.subject == chief.email and added.actor == manager


def test_the_list_shows_seats_used_and_available_and_filters_ending_soon(admin_client):
    now = timezone.now()
    busy = LicenceFactory(name="Busy Ltd", seat_count=3)
    services.seat_take(licence=busy, user=UserFactory(), via=Seat.Via.INVITATION)
    soon = LicenceFactory(name="Soon Ltd")
    soon.ends_at = now + timedelta(days=10)
    soon.save()
    response = admin_client.get(reverse("admin:organisations_licence_changelist"))
    rows = response.context["cl"].result_list
    by_name = {licence.name: licence for licence in rows}
    assert by_name["Busy Ltd"].seats_held == 1
    body = response.content.decode()
    assert "seats used" in body.lower()
    filtered = admin_client.get(
        reverse("admin:organisations_licence_changelist") + "?state=ending-soon"
    )
    assert [licence.name for licence in filtered.context["cl"].result_list] == ["Soon Ltd"]


def test_fewer_seats_than_held_is_refused_in_admin_with_the_holders(admin_client):
    licence = LicenceFactory(seat_count=2)
    holders = [
        services.seat_take(licence=licence, user=UserFactory(), via=Seat.Via.INVITATION).user
        for _ in range(2)
    ]
    url = reverse("admin:organisations_licence_change", args=[licence.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data.update(
        {
            "starts_at_0": licence.starts_at.strftime("%Y-%m-%d"),
            "starts_at_1": licence.starts_at.strftime("%H:%M:%S"),
            "ends_at_0": licence.ends_at.strftime("%Y-%m-%d"),
            "ends_at_1": licence.ends_at.strftime("%H:%M:%S"),
            "seat_count": 1,
            "note": "",
            "domains-TOTAL_FORMS": 0,
            "domains-INITIAL_FORMS": 0,
            "seats-TOTAL_FORMS": 0,
            "seats-INITIAL_FORMS": 0,
            "events-TOTAL_FORMS": 0,
            "events-INITIAL_FORMS": 0,
        }
    )
    data.pop("starts_at"), data.pop("ends_at")
    response = admin_client.post(url, data)
    assert response.status_code == 200
    body = response.content.decode()
    for user in holders:
        assert user.email in body
    licence.refresh_from_db()
    assert licence.seat_count == 2


def test_seat_holders_download_as_csv(admin_client):
    licence = LicenceFactory(name="=Client Grid Ltd")
    seat = services.seat_take(licence=licence, user=UserFactory(), via=Seat.Via.INVITATION)
    removed = services.seat_take(licence=licence, user=UserFactory(), via=Seat.Via.INVITATION)
    services.seat_remove(seat=removed, by=None)
    response = admin_client.post(
        reverse("admin:organisations_licence_changelist"),
        {"action": "download_seat_holders", "_selected_action": [licence.pk]},
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["organisation", "seat", "email"]
    assert rows[1][0] == "'=Client Grid Ltd"  # no formula in a spreadsheet
    assert [row[2] for row in rows[1:]] == [seat.user.email]


def test_deleting_a_licence_in_admin_ends_its_seats(admin_client):
    from members.selectors import reader_status

    licence = LicenceFactory()
    holder = services.seat_take(licence=licence, user=UserFactory(), via=Seat.Via.INVITATION).user
    url = reverse("admin:organisations_licence_delete", args=[licence.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Licence.objects.exists()
    assert reader_status(holder).audience == 0


def test_membership_managers_may_manage_licences(manager):
    for codename in ("add_licence", "change_licence", "delete_licence", "view_seat"):
        assert manager.has_perm(f"organisations.{codename}"), codename
    assert not manager.has_perm("organisations.change_seat")
