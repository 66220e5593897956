"""
The admin's e-mail preview of a live briefing's changes not yet published (`?changes=1`):
each audience's e-mail as it would be once they are published, exactly that audience's
parts; the plain preview, and every e-mail sent, stay the live version.
"""

import pytest
from django.urls import reverse

from briefings.models import Briefing, Section
from briefings.pending import data as pending_data
from briefings.pending.workflow import pending_change_save
from delivery.models import Delivery
from members.access import Audience
from tests.delivery.test_newsroom_admin import READABLE, preview_urls
from tests.factories import StaffFactory, gated_briefing

pytestmark = pytest.mark.django_db

CHANGED = {
    "PUBLIC-MARK": "PUBLIC-CHANGED",
    "CIRCLE-MARK": "CIRCLE-CHANGED",
    "ALLIANCE-MARK": "ALLIANCE-CHANGED",
}


@pytest.fixture
def briefing():
    return gated_briefing(public="PUBLIC-MARK", circle="CIRCLE-MARK", alliance="ALLIANCE-MARK")


@pytest.fixture
def changed(briefing, editor):
    """Every section rewritten, and a new title, as changes not yet published."""
    copy = Briefing(**{f.attname: getattr(briefing, f.attname) for f in Briefing._meta.fields})
    copy.title = "The title with the changes"
    sections = [
        Section(
            id=s.pk,
            position=s.position,
            heading=s.heading,
            audience=s.audience,
            body=CHANGED[s.body],
        )
        for s in briefing.sections.all()
    ]
    data = pending_data.data_from(copy, sections=sections, citations=briefing.citations.all())
    pending_change_save(briefing=briefing, data=data, by=editor)
    return briefing


def changes_urls(briefing, slug):
    return tuple(f"{url}?changes=1" for url in preview_urls(briefing, slug))


@pytest.mark.parametrize("slug", list(READABLE))
def test_each_preview_of_the_changes_holds_exactly_its_audiences_changed_parts(
    client, editor, changed, slug
):
    client.force_login(editor)
    readable = {CHANGED.get(m, m) for m in READABLE[slug] if m in CHANGED}
    page_url, html_url = changes_urls(changed, slug)
    page = client.get(page_url)
    assert page.status_code == 200
    assert page.context["message"].subject == "The title with the changes"
    assert f'src="{html_url.replace("&", "&amp;")}"' in page.content.decode()
    for content in (page.content.decode(), client.get(html_url).content.decode()):
        for marker in readable:
            assert marker in content
        for marker in set(CHANGED.values()) - readable:
            assert marker not in content
        assert not any(live in content for live in CHANGED)  # the live text is replaced
    # The tabs keep to the changes.
    assert all(link["url"].endswith("?changes=1") for link in page.context["links"])


def test_the_plain_preview_and_what_is_sent_stay_the_live_version(client, editor, changed):
    client.force_login(editor)
    html = client.get(preview_urls(changed, Audience.LEADERSHIP_ALLIANCE.slug)[1])
    content = html.content.decode()
    assert "ALLIANCE-MARK" in content and "CHANGED" not in content
    assert not Delivery.objects.exists()


def test_without_changes_the_changes_preview_is_404(client, editor, briefing):
    client.force_login(editor)
    for url in changes_urls(briefing, "public"):
        assert client.get(url).status_code == 404


def test_staff_without_the_preview_permission_get_403(client, changed):
    client.force_login(StaffFactory())
    for url in changes_urls(changed, Audience.LEADERSHIP_ALLIANCE.slug):
        assert client.get(url).status_code == 403


def test_the_pending_notice_links_the_email_preview_of_the_changes(client, editor, changed):
    client.force_login(editor)
    page = client.get(reverse("admin:briefings_briefing_change", args=[changed.pk]))
    notice = page.context_data["pending_notice"]
    assert ("e-mail", changes_urls(changed, "public")[0]) in notice["preview_links"]
    assert "Preview changes: e-mail" in page.content.decode()
