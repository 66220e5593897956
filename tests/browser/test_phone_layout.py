"""
The pages that did not fit a phone or failed contrast (issue 20): the account page's
membership history, the list's pagination with its muted "Newer".
"""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from members.access import Audience
from tests.browser.helpers import no_horizontal_scroll
from tests.browser.standards import axe_violations
from tests.factories import (
    PASSWORD,
    BriefingFactory,
    MembershipFactory,
    UserFactory,
    members_migration_data,
)


@pytest.mark.django_db(transaction=True)
def test_the_account_history_fits_a_phone(phone_page):
    cache.clear()
    members_migration_data()
    user = UserFactory(email="history@example.org")
    now = timezone.now()
    MembershipFactory(
        user=user,
        tier=Audience.LEADERSHIP_ALLIANCE,
        starts_at=now - dt.timedelta(days=400),
        ends_at=now - dt.timedelta(days=35),
        source="complimentary",
    )
    MembershipFactory(user=user, tier=Audience.STRATEGIC_CIRCLE, starts_at=now)
    page = phone_page
    page.goto("/accounts/login/")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("form.auth-form button[type=submit]").click()
    page.wait_for_load_state()
    page.goto("/account/")
    table = page.locator("table.data-table")
    width = page.viewport_size["width"]
    for cell in table.locator("td").all():
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, cell.inner_text()
    # Every value says what it is, as the column heading did.
    assert "Until" in table.locator("tr").first.inner_text()
    scroller = page.locator(".table-scroll")
    assert scroller.evaluate("el => el.scrollWidth <= el.clientWidth")
    assert no_horizontal_scroll(page)
    assert axe_violations(page) == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_muted_newer_link_is_readable(page, scheme):
    cache.clear()
    for number in range(13):
        BriefingFactory(title=f"Paged briefing {number}")
    page.emulate_media(color_scheme=scheme)
    page.goto("/briefings/")
    muted = page.locator(".pagination__link.is-disabled")
    assert muted.inner_text() == "Newer"
    assert axe_violations(page) == []
