"""Member pages pass axe's WCAG 2.2 AA checks, on a phone, signed out and signed in."""

import pytest
from django.core.cache import cache

from members.access import Audience
from tests.browser.standards import axe_violations as violations
from tests.factories import PASSWORD, MembershipFactory, UserFactory, members_migration_data


@pytest.mark.django_db(transaction=True)
def test_member_pages_are_accessible(phone_page):
    cache.clear()
    members_migration_data()
    user = UserFactory(email="axe@example.org")
    MembershipFactory(user=user, tier=Audience.STRATEGIC_CIRCLE)
    page = phone_page
    for path in ["/accounts/signup/", "/accounts/login/", "/membership/leadership-alliance/"]:
        page.goto(path)
        assert violations(page) == [], path

    page.goto("/accounts/login/")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("form.auth-form button[type=submit]").click()
    page.wait_for_load_state()
    for path in [
        "/account/",
        "/membership/leadership-alliance/",
        "/account/delete/",
        "/accounts/2fa/",
    ]:
        page.goto(path)
        assert violations(page) == [], path
    # A form sent back with errors is accessible too.
    page.goto("/membership/leadership-alliance/")
    page.get_by_role("button", name="Send application").click()
    page.wait_for_load_state()
    assert "This field is required." in page.content()
    assert violations(page) == []
    assert page.console_errors == []
