import pytest
from django.utils import timezone
from briefings import workflow
from tests.browser.test_newsroom import signed_in_page
from tests.factories import StaffFactory, ready_briefing


@pytest.mark.django_db(transaction=True)
def test_shots(chromium, live_server, settings):
    settings.NEWSROOM_AUTOSAVE_SECONDS = 1
    editor = StaffFactory(group="editors")
    briefing = ready_briefing(title="HKSTP and SenseTime partner on Hong Kong AI data centre", summary="Hong Kong Science and Technology Parks and SenseTime will build an AI data centre in Tseung Kwan O, adding capacity for model training in the region.")
    workflow.briefing_publish(briefing=briefing, by=editor, at=timezone.now())
    context, page = signed_in_page(chromium, live_server, editor)
    page.goto(f"/admin/briefings/briefing/{briefing.pk}/change/")
    page.fill("#id_meta_description", "SenseTime and HKSTP plan an AI data centre in Tseung Kwan O: what it adds to Hong Kong's compute supply, who will use it and when it could open to tenants.")
    page.wait_for_function("() => document.getElementById('autosave-status').dataset.state === 'saved'")
    page.screenshot(path="/tmp/newsroom-form-1.png")
    page.locator("#id_meta_title").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -120)")
    page.screenshot(path="/tmp/newsroom-form-2.png")
    page.fill("#id_title", "")
    page.wait_for_function("() => document.getElementById('autosave-status').dataset.state === 'error'")
    page.screenshot(path="/tmp/newsroom-form-3.png")
    page.fill("#id_title", "HKSTP and SenseTime partner on Hong Kong AI data centre")
    page.wait_for_function("() => document.getElementById('autosave-status').dataset.state === 'saved'")
    page.reload()
    page.screenshot(path="/tmp/newsroom-form-4.png", full_page=True)
    context.close()
