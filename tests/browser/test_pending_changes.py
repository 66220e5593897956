"""
Changes to a live briefing in the browser: a writer edits it and submits the changes,
the public page stays as it was; an editor previews and compares the changes, publishes
them, and the public page changes. Under the admin's strict CSP, as the other newsroom
tests.
"""

import pytest
from django.utils import timezone

from briefings import workflow
from tests.browser.conftest import DESKTOP, open_page
from tests.browser.test_newsroom import signed_in_page
from tests.factories import StaffFactory, ready_briefing

LIVE_TEXT = "Public text."
NEW_TEXT = "The terminal now runs every crane remotely."
NEW_META = "How one terminal moved every crane to remote control."


def public_text(chromium, live_server, briefing, *, with_description=False):
    context, reader = open_page(chromium, live_server, viewport=DESKTOP)
    response = reader.goto(briefing.get_absolute_url())
    assert response.status == 200
    text = reader.locator("main").inner_text()
    description = reader.locator("meta[name='description']").get_attribute("content")
    assert reader.console_errors == []
    context.close()
    return (text, description) if with_description else text


@pytest.mark.django_db(transaction=True)
def test_a_writers_changes_reach_readers_only_when_an_editor_publishes_them(chromium, live_server):
    editor = StaffFactory(group="editors")
    writer = StaffFactory(group="writers")
    briefing = ready_briefing(title="Harbour cranes go remote", published_at=None)
    workflow.briefing_publish(briefing=briefing, by=editor, at=timezone.now())
    text, description = public_text(chromium, live_server, briefing, with_description=True)
    assert LIVE_TEXT in text and description == briefing.summary

    context, page = signed_in_page(chromium, live_server, writer)
    page.goto(f"/admin/briefings/briefing/{briefing.pk}/change/")
    page.fill("#id_sections-0-body", NEW_TEXT)
    page.fill("#id_meta_description", NEW_META)
    assert page.locator("[data-preview='result-description']").inner_text() == NEW_META
    page.get_by_role("button", name="Save and submit changes for review").click()
    page.wait_for_url("**/change/")
    assert "submitted for review" in page.locator(".messagelist").inner_text()
    assert "These changes are not live yet" in page.locator(".newsroom-pending").inner_text()
    assert page.get_by_role("button", name="Publish changes").count() == 0
    assert page.console_errors == []
    context.close()

    text, description = public_text(chromium, live_server, briefing, with_description=True)
    assert LIVE_TEXT in text and NEW_TEXT not in text
    assert description == briefing.summary

    context, page = signed_in_page(chromium, live_server, editor)
    page.goto(f"/admin/briefings/briefing/{briefing.pk}/change/")
    assert page.locator("#id_sections-0-body").input_value() == NEW_TEXT
    preview = page.get_by_role("link", name="Preview changes: Anonymous reader").first
    page.goto(preview.get_attribute("href"))
    assert NEW_TEXT in page.locator("main").inner_text()
    assert "changes not yet published" in page.locator(".preview-banner").inner_text()
    assert page.locator("meta[name='description']").get_attribute("content") == NEW_META

    # The e-mail members would get once the changes are published.
    page.goto(f"/admin/briefings/briefing/{briefing.pk}/change/")
    email_preview = page.get_by_role("link", name="Preview changes: e-mail")
    page.goto(email_preview.get_attribute("href"))
    assert "With the changes not yet published" in page.locator("#content").inner_text()
    email = page.frame_locator("iframe.newsroom-email").locator("body")
    assert NEW_TEXT in email.inner_text() and LIVE_TEXT not in email.inner_text()

    page.goto(f"/admin/briefings/briefing/{briefing.pk}/change/")
    page.get_by_role("link", name="Compare with what is live").click()
    assert "remotely." in page.locator(".newsroom-part").first.inner_text()
    page.get_by_role("button", name="Publish changes").click()
    page.wait_for_url("**/change/")
    assert "are published" in page.locator(".messagelist").inner_text()
    assert page.locator(".newsroom-pending").count() == 0
    assert page.console_errors == []
    context.close()

    text, description = public_text(chromium, live_server, briefing, with_description=True)
    assert NEW_TEXT in text and LIVE_TEXT not in text
    assert description == NEW_META
