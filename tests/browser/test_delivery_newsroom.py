"""
An editor publishes a briefing in admin choosing who gets it by e-mail, reads its send
report and previews its e-mail, all under the site's strict CSP.

The live server runs tasks at once, so the ledger row is sent by the time the report is
read; the e-mail's arrival at a real SMTP server and its unsubscribe link are
tests/browser/test_delivery_email.py's.
"""

import pytest

from delivery.models import BriefingSend, Delivery
from tests.browser.helpers import csp_violations
from tests.browser.test_newsroom import signed_in_page
from tests.delivery.conftest import member
from tests.factories import CategoryFactory, StaffFactory, gated_briefing

CIRCLE_TEXT = "Circle-only trend context."


@pytest.mark.django_db(transaction=True)
def test_editor_publishes_to_followers_and_reads_the_report(chromium, live_server):
    editor = StaffFactory(group="editors")
    energy = CategoryFactory(name="Energy")
    follower = member(follows=[energy])
    bystander = member()  # follows nothing: not a follower
    briefing = gated_briefing(
        category=energy, circle=CIRCLE_TEXT, status="draft", published_at=None
    )
    context, page = signed_in_page(chromium, live_server, editor)

    page.goto(f"/admin/briefings/briefing/{briefing.pk}/change/")
    choice = page.get_by_role("radio", name="Members who follow its category, region or topic")
    assert choice.is_checked()  # the default
    choice.check()
    page.get_by_role("button", name="Save and publish").click()
    page.wait_for_url("**/change/")
    assert "is published" in page.locator(".messagelist").inner_text()

    send = BriefingSend.objects.get(briefing=briefing)
    assert (send.recipients, send.chosen_by) == ("followers", editor)
    rows = Delivery.objects.filter(briefing=briefing)
    assert [row.user for row in rows] == [follower]
    assert bystander.pk not in {row.user_id for row in rows}

    # The choice is now read-only, with the report.
    assert page.get_by_role("radio").count() == 0
    page.get_by_role("link", name="Send report").click()
    assert "Send report" in page.locator("h1").inner_text()
    assert page.locator(".newsroom-report__count--sent").inner_text() == "1"
    assert page.locator(".newsroom-report__count--queued").inner_text() == "0"

    page.goto(f"/admin/briefings/briefing/{briefing.pk}/change/")
    # Previews open in a new tab; follow the link here instead.
    page.goto(page.get_by_role("link", name="Preview: e-mail").get_attribute("href"))
    page.locator(".newsroom-tabs").get_by_role("link", name="Strategic Circle").click()
    frame = page.frame_locator("iframe.newsroom-email")
    assert CIRCLE_TEXT in frame.locator("body").inner_text()
    assert page.console_errors == [] and csp_violations(page) == []
    context.close()
