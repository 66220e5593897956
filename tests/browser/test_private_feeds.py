"""A member makes a private feed address in the browser, copies it, reads it, revokes it."""

import re
import urllib.request

import pytest
from django.core.cache import cache

from members.access import Audience
from tests.browser.helpers import force_sign_in, no_horizontal_scroll, problems
from tests.browser.standards import axe_violations
from tests.factories import MembershipFactory, members_migration_data


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", ["phone_page", "page"])
def test_a_member_creates_reads_and_revokes_a_private_feed(request, viewport, live_server):
    cache.clear()
    members_migration_data()
    page = request.getfixturevalue(viewport)
    user = MembershipFactory(tier=Audience.STRATEGIC_CIRCLE).user
    force_sign_in(page.context, live_server, user)

    page.goto("/account/")
    page.get_by_role("link", name="Manage your private feeds").click()
    page.get_by_role("button", name="Create a private feed address").click()
    page.wait_for_url(re.compile(r"/account/feeds/$"))
    rss = page.get_by_label("RSS address")
    assert rss.get_attribute("readonly") is not None
    assert rss.evaluate("el => el.scrollHeight <= el.clientHeight")  # shown whole
    address = rss.input_value()
    assert re.search(r"/feeds/private/[\w-]{43}/rss/$", address)
    assert axe_violations(page) == []
    assert no_horizontal_scroll(page)
    assert problems(page) == []

    # The address works for a feed reader, which has no cookies: served by the live server.
    path = address.split("/feeds/", 1)[1]
    with urllib.request.urlopen(f"{live_server.url}/feeds/{path}") as response:  # noqa: S310
        assert response.status == 200

    page.reload()
    assert page.get_by_label("RSS address").count() == 0
    page.get_by_role("button", name=re.compile("^Revoke")).click()
    page.wait_for_load_state()
    assert "Feed address revoked" in page.content()
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{live_server.url}/feeds/{path}")  # noqa: S310
    assert refused.value.code == 404
