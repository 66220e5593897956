"""
An editor's whole job in the browser: write a signal brief with gated sections and two
sources in admin, preview it as two audiences, publish it, and find it on the site.
The admin runs under the site's strict CSP, so any violation fails the test through the
console errors.
"""

import pytest

from briefings.models import Briefing
from tests.browser.conftest import DESKTOP, open_page
from tests.browser.helpers import force_sign_in
from tests.factories import CategoryFactory, SourceFactory, StaffFactory

PUBLIC_TEXT = "Hong Kong Science Park and SenseTime will build an AI data centre."
CIRCLE_TEXT = "Demo trend context for Strategic Circle members."
ALLIANCE_TEXT = "Demo failure paths for Leadership Alliance members."
NOTE_TEXT = "Demo source note for Leadership Alliance members."


def signed_in_page(chromium, live_server, user):
    """A browser whose session is a force-logged-in one (no password, no MFA prompt)."""
    context, page = open_page(chromium, live_server, viewport=DESKTOP)
    # Admin pages name no icon, so the browser asks for /favicon.ico, which this site
    # does not serve; that 404 is not what this test is about.
    context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    force_sign_in(context, live_server, user)
    return context, page


def choose(page, select_id, search):
    """Pick an option in one of admin's autocomplete (select2) boxes."""
    page.locator(f"#{select_id} + .select2").click()
    page.locator(".select2-container--open .select2-search__field").fill(search)
    page.locator(".select2-results__option", has_text=search).first.click()


@pytest.mark.django_db(transaction=True)
def test_editor_writes_previews_and_publishes_a_signal_brief(chromium, live_server):
    editor = StaffFactory(group="editors")
    CategoryFactory(name="Datacenter")
    SourceFactory(title="HKSTP press release", url="https://example.org/hkstp")
    SourceFactory(title="SenseTime statement", url="https://example.org/sensetime")
    context, page = signed_in_page(chromium, live_server, editor)

    page.goto("/admin/briefings/briefing/add/")
    page.select_option("#id_kind", "signal-brief")
    page.fill("#id_title", "HKSTP and SenseTime partner on Hong Kong AI data centre")
    page.fill("#id_summary", "HKSTP is a central Hong Kong technology ecosystem actor.")
    choose(page, "id_category", "Datacenter")
    page.select_option("#id_impact", "medium")
    page.fill("#id_confidence", "90")

    add_section = page.get_by_role("button", name="Add another Section")
    add_section.click()
    add_section.click()
    for i, (heading, audience, body) in enumerate(
        [
            ("The fact", "0", PUBLIC_TEXT),
            ("Deeper Trend Context", "1", CIRCLE_TEXT),
            ("Failure paths", "2", ALLIANCE_TEXT),
        ]
    ):
        page.fill(f"#id_sections-{i}-heading", heading)
        page.select_option(f"#id_sections-{i}-audience", audience)
        page.fill(f"#id_sections-{i}-body", body)

    page.get_by_role("button", name="Add another Citation").click()
    choose(page, "id_citations-0-source", "HKSTP press release")
    page.fill("#id_citations-0-note", NOTE_TEXT)
    choose(page, "id_citations-1-source", "SenseTime statement")

    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_url("**/change/")
    assert page.locator(".errornote").count() == 0
    briefing = Briefing.objects.get()
    assert briefing.status == Briefing.Status.DRAFT
    assert briefing.sections.count() == 3
    assert briefing.citations.count() == 2

    change_url = page.url
    previews = {}
    for label in ("Anonymous reader", "Strategic Circle"):
        previews[label] = page.get_by_role("link", name=f"Preview: {label}").get_attribute("href")

    page.goto(previews["Anonymous reader"])
    banner = page.locator(".preview-banner")
    assert "Preview as an anonymous reader" in banner.inner_text()
    body = page.locator("main").inner_text()
    assert PUBLIC_TEXT in body
    assert CIRCLE_TEXT not in page.content()
    assert ALLIANCE_TEXT not in page.content()
    assert NOTE_TEXT not in page.content()

    page.goto(previews["Strategic Circle"])
    assert "Preview as a Strategic Circle member" in page.locator(".preview-banner").inner_text()
    body = page.locator("main").inner_text()
    assert PUBLIC_TEXT in body
    assert CIRCLE_TEXT in body
    assert ALLIANCE_TEXT not in page.content()
    assert NOTE_TEXT not in page.content()

    page.goto(change_url)
    page.get_by_role("button", name="Save and publish").click()
    page.wait_for_url("**/change/")
    assert "is published" in page.locator(".messagelist").inner_text()
    briefing.refresh_from_db()
    assert briefing.status == Briefing.Status.PUBLISHED
    assert page.console_errors == []
    context.close()

    reader_context, reader = open_page(chromium, live_server, viewport=DESKTOP)
    response = reader.goto(briefing.get_absolute_url())
    assert response.status == 200
    assert "HKSTP and SenseTime partner" in reader.locator("h1").inner_text()
    assert PUBLIC_TEXT in reader.locator("main").inner_text()
    assert CIRCLE_TEXT not in reader.content()
    assert ALLIANCE_TEXT not in reader.content()
    assert reader.console_errors == []
    reader_context.close()
