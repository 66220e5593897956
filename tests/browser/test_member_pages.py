"""Member pages pass axe's WCAG 2.2 AA checks, on a phone, signed out and signed in."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.cache import cache

from members.access import Audience
from tests.factories import PASSWORD, MembershipFactory, UserFactory, members_migration_data

WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def violations(page):
    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]},
    )
    return [
        f"{v['id']}: {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:5])
        for v in results.response["violations"]
    ]


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
    page.get_by_label("Email").fill(user.email)
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
