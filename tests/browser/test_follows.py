"""
Following from a briefing page, in Chromium with JavaScript off: a reader signs in from the
follow panel, comes back to the briefing, follows its category, and finds it on the E-mail
and alerts page, where it can be removed again. The pages pass axe and the HTML checker.
"""

import re

import pytest
from django.core import mail
from django.core.cache import cache

from delivery.models import Follow
from tests.browser.conftest import DESKTOP, PHONE, open_page
from tests.browser.helpers import force_sign_in, no_horizontal_scroll, sign_in_with_password
from tests.browser.standards import axe_violations, vnu_errors
from tests.factories import BriefingFactory, CategoryFactory, UserFactory, members_migration_data


@pytest.fixture
def fresh(transactional_db):
    cache.clear()
    mail.outbox = []
    members_migration_data()


@pytest.fixture
def briefing(fresh):
    return BriefingFactory(
        title="Harbour cranes go electric",
        category=CategoryFactory(name="Cloud infrastructure"),
    )


def test_following_a_category_from_a_briefing_without_javascript(briefing, chromium, live_server):
    member = UserFactory(email="follower@example.org")
    context, page = open_page(chromium, live_server, viewport=DESKTOP, java_script_enabled=False)
    url = briefing.get_absolute_url()
    page.goto(url)
    page.get_by_role("link", name="Sign in to follow").click()
    sign_in_with_password(page, member.email)
    page.wait_for_url(re.compile(re.escape(url) + "$"))

    page.get_by_role("button", name="Follow Cloud infrastructure").click()
    page.wait_for_url(re.compile(re.escape(url) + "$"))
    assert "You follow Cloud infrastructure." in page.locator(".messages").inner_text()
    panel = page.locator(".follow-panel")
    assert panel.get_by_role("button", name="Unfollow Cloud infrastructure").is_visible()
    assert panel.locator(".follow-state").all_inner_texts() == ["FOLLOWING"]  # small capitals
    assert Follow.objects.filter(user=member, category=briefing.category).count() == 1

    page.goto("/account/email/")
    follows = page.locator("section", has=page.get_by_role("heading", name="What you follow"))
    assert "Cloud infrastructure" in follows.inner_text()
    follows.get_by_role("button", name="Unfollow Cloud infrastructure").click()
    assert "You no longer follow Cloud infrastructure." in page.locator(".messages").inner_text()
    assert not Follow.objects.exists()
    context.close()


def test_the_pages_with_follow_buttons_pass_the_standards(briefing, chromium, live_server):
    member = UserFactory()
    Follow.objects.create(user=member, category=briefing.category)
    context, page = open_page(chromium, live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    force_sign_in(context, live_server, member)
    pages = {}
    for path in [
        briefing.get_absolute_url(),
        "/account/email/",
        briefing.category.get_absolute_url(),
        "/search/?q=cranes",
    ]:
        page.goto(path)
        assert no_horizontal_scroll(page), path
        assert axe_violations(page) == [], path
        pages[path] = page.content()
    # The form sent back with an error (a time zone no select offers: a forged post) is
    # accessible too, and says what is wrong.
    page.goto("/account/email/")
    page.evaluate(
        """() => {
          const select = document.querySelector("#id_timezone");
          select.add(new Option("Mars/Base", "Mars/Base"));
          select.value = "Mars/Base";
        }"""
    )
    page.get_by_role("button", name="Save preferences").click()
    page.wait_for_load_state()
    assert "is not a time zone we know" in page.locator(".errorlist").inner_text()
    assert axe_violations(page) == []
    assert page.console_errors == []
    assert {path: errors for path, errors in vnu_errors(pages).items() if errors} == {}
    context.close()
