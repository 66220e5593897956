"""
A staff member's own time zone: chosen on the account page, used by admin to show and
read times, which are stored in UTC.
"""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from briefings.models import Briefing
from members.middleware import admin_time_zone
from members.models import User
from tests.briefings.newsroom import change_url, form_data
from tests.factories import StaffFactory, UserFactory, ready_briefing

pytestmark = pytest.mark.django_db

ACCOUNT = "/account/"


def test_a_new_account_has_the_sites_time_zone(settings):
    assert UserFactory().time_zone == settings.TIME_ZONE


def test_staff_choose_their_time_zone_on_the_account_page(client):
    editor = StaffFactory(group="editors")
    client.force_login(editor)
    page = client.get(ACCOUNT).content.decode()
    assert "Newsroom time zone" in page
    assert '<option value="Asia/Tokyo">Tokyo</option>' in page

    response = client.post(ACCOUNT, {"time_zone": "Asia/Tokyo"}, follow=True)
    assert response.redirect_chain == [(reverse("members:account"), 302)]
    assert "Admin now shows times in Asia/Tokyo." in response.content.decode()
    editor.refresh_from_db()
    assert editor.time_zone == "Asia/Tokyo"


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "Asia/Tokyo; DROP TABLE"])
def test_a_zone_we_do_not_know_is_refused_with_a_message(client, zone):
    editor = StaffFactory(group="editors", time_zone="Europe/London")
    client.force_login(editor)
    response = client.post(ACCOUNT, {"time_zone": zone})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Your time zone is not changed" in page
    assert "time zone we know" in page or "This field is required" in page
    editor.refresh_from_db()
    assert editor.time_zone == "Europe/London"


def test_readers_are_not_offered_a_time_zone(client):
    reader = UserFactory()
    client.force_login(reader)
    assert "Newsroom time zone" not in client.get(ACCOUNT).content.decode()
    assert client.post(ACCOUNT, {"time_zone": "Asia/Tokyo"}).status_code == 403
    reader.refresh_from_db()
    assert reader.time_zone != "Asia/Tokyo"


def test_admin_reads_and_shows_times_in_the_editors_zone(client):
    editor = StaffFactory(group="editors", time_zone="Asia/Tokyo")
    briefing = ready_briefing()
    client.force_login(editor)
    page = client.get(change_url(briefing)).content.decode()
    assert "Times are in Asia/Tokyo." in page
    assert "Times in Asia/Tokyo" in page  # beside the account links, on every admin page

    data = form_data(briefing, published_at_0="2027-01-15", published_at_1="09:00:00")
    response = client.post(change_url(briefing), data)
    assert response.status_code == 302
    briefing.refresh_from_db()
    assert briefing.published_at == datetime(2027, 1, 15, 0, 0, tzinfo=UTC)
    assert briefing.status == Briefing.Status.DRAFT

    # And shown back as the editor typed it, in the form and the list.
    page = client.get(change_url(briefing)).content.decode()
    assert 'value="09:00:00"' in page
    listing = client.get(reverse("admin:briefings_briefing_changelist")).content.decode()
    assert "2027-01-15" in listing
    assert "09:00" in listing


def test_pages_outside_admin_keep_the_sites_zone(rf):
    # Readers' pages share cached parts that name no zone, so only admin changes it.
    editor = StaffFactory(time_zone="Asia/Tokyo")
    for path, zone in [(ACCOUNT, None), ("/briefings/", None), ("/admin/", "Asia/Tokyo")]:
        request = rf.get(path)
        request.user = editor
        found = admin_time_zone(request)
        assert (found and found.key) == zone, path


def test_a_zone_this_machine_no_longer_knows_falls_back_to_the_sites(client, settings):
    editor = StaffFactory(group="editors")
    User.objects.filter(pk=editor.pk).update(time_zone="Atlantis/Capital")
    client.force_login(editor)
    page = client.get(reverse("admin:index")).content.decode()
    assert f"Times in {settings.TIME_ZONE}" in page
