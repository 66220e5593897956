"""
The offer on the first screen (issue 20): an anonymous reader sees what the briefing holds
and how to read it before scrolling, joins from the lock card with an e-mailed code, and
lands back on the briefing at the section it unlocked, welcomed by the tier's name; the
editor then finds that sign-up against the briefing and the card in admin.
"""

import re

import pytest
from django.core import mail
from django.core.cache import cache

from tests.browser.conftest import DESKTOP, PHONE, open_page
from tests.browser.helpers import force_sign_in, gated_briefing, sign_up_with_code
from tests.browser.standards import axe_violations
from tests.factories import StaffFactory, members_migration_data


def on_first_screen(page, locator, viewport) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1280px"])
def test_the_offer_is_on_the_first_screen(chromium, live_server, viewport):
    cache.clear()
    members_migration_data()
    briefing = gated_briefing(title="HKSTP and SenseTime demo briefing")
    context, page = open_page(chromium, live_server, viewport=viewport)
    page.goto(briefing.get_absolute_url())
    outline = page.get_by_role("navigation", name="In this briefing")
    join = outline.get_by_role("link", name="Join Strategic Circle free")
    assert on_first_screen(page, join, viewport)
    assert outline.get_by_text("Trend context").is_visible()
    assert axe_violations(page) == []
    assert page.console_errors == []
    context.close()


@pytest.mark.django_db(transaction=True)
def test_join_from_the_lock_card_lands_on_the_unlocked_section_and_counts_in_admin(
    chromium, live_server, phone_page
):
    cache.clear()
    members_migration_data()
    mail.outbox = []
    briefing = gated_briefing(title="HKSTP and SenseTime demo briefing")
    path = briefing.get_absolute_url()
    page = phone_page

    page.goto(path)
    card = page.locator("#unlock-strategic-circle")
    assert "Trend context: 1 section" in card.inner_text()
    card.get_by_role("link", name="Join Strategic Circle free").click()
    page.wait_for_url(re.compile(r"/accounts/signup/\?next="))
    sign_up_with_code(page, "new.member@example.org")

    page.wait_for_url(re.compile(re.escape(path) + "#unlocked-strategic-circle$"))
    assert page.get_by_text("Welcome to Strategic Circle").is_visible()
    assert "You have confirmed" not in page.content()
    section = page.locator("#unlocked-strategic-circle")
    assert "Quokkacirclemarker" in section.inner_text()
    assert on_first_screen(page, section.locator("h3"), PHONE)
    # The Leadership Alliance card is still there, now for a member: apply, no sign-in.
    alliance = page.locator("#unlock-leadership-alliance")
    assert "Apply for Leadership Alliance" in alliance.inner_text()
    assert "Sign in" not in alliance.inner_text()
    assert page.console_errors == []

    editor = StaffFactory(group="editors")
    context, admin = open_page(chromium, live_server, viewport=DESKTOP)
    context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    force_sign_in(context, live_server, editor)
    admin.goto("/admin/briefings/lockcardconversion/")
    row = admin.locator(".conversion-summary tr", has_text=briefing.title)
    assert re.sub(r"\s+", " ", row.inner_text()).strip() == (
        f"{briefing.title} Strategic Circle 1 0 1"
    )
    context.close()
