"""
From following to unsubscribing, in Chromium against the live server and a real SMTP
server: a member asks for an e-mail for each briefing and follows a category from a
briefing page; an editor (another browser) publishes a briefing in that category in admin
for its followers; the e-mail arrives, holding the member's parts; its unsubscribe link,
opened in a browser that is not signed in, stops every e-mail, and the one-click POST a
mail client sends (RFC 8058) works without cookies; the next briefing published to the
followers reaches only those still subscribed.
"""

import email
import re
import time
import urllib.request
from email import policy

import pytest
from django.core import mail
from django.core.cache import cache

from delivery.models import Delivery, DeliveryPreference, Follow, Suppression
from members.access import Audience
from tests.browser.conftest import DESKTOP, open_page
from tests.browser.helpers import force_sign_in, problems
from tests.browser.test_newsroom import signed_in_page
from tests.delivery.conftest import member
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    StaffFactory,
    UserFactory,
    gated_briefing,
    members_migration_data,
)
from tests.smtp import SMTPServer, mailers

CIRCLE_TEXT = "Wombatcirclemarker trend context for Strategic Circle members."
ALLIANCE_TEXT = "Jackalalliancemarker failure paths for Leadership Alliance members."
UNSUBSCRIBE_ALL = re.compile(r"^Unsubscribe from all briefing e-mails: (\S+)$", re.MULTILINE)
# Headers written back as they came over the wire (compat32 would fold long ones anew).
AS_RECEIVED = policy.compat32.clone(max_line_length=0)


@pytest.fixture
def smtp(settings, live_server):
    cache.clear()
    mail.outbox = []
    members_migration_data()
    server = SMTPServer()
    settings.MAILERS = mailers(server)
    # The e-mail's links lead to the live server, as they lead to the site in production.
    settings.SITE_URL = live_server.url
    yield server
    server.stop()


def arrived(smtp, address, count=1, timeout=10.0) -> list[email.message.EmailMessage]:
    """The messages `address` received, once there are `count` (the send is a task)."""
    deadline = time.monotonic() + timeout
    while True:
        found = [
            email.message_from_bytes(message.as_bytes(policy=AS_RECEIVED), policy=policy.default)
            for recipients, message in list(smtp.received)
            if address in recipients
        ]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def publish_to_followers(chromium, live_server, editor, briefing):
    """The editor opens the draft in admin, keeps "followers" and presses publish."""
    context, page = signed_in_page(chromium, live_server, editor)
    page.goto(f"/admin/briefings/briefing/{briefing.pk}/change/")
    page.get_by_role("radio", name="Members who follow its category, region or topic").check()
    page.get_by_role("button", name="Save and publish").click()
    page.wait_for_url("**/change/")
    assert "is published" in page.locator(".messagelist").inner_text()
    assert problems(page) == []
    context.close()


def follow_each_briefing(chromium, live_server, reader, briefing):
    """The reader asks for an e-mail for each briefing and follows `briefing`'s category."""
    context, page = open_page(chromium, live_server, viewport=DESKTOP)
    force_sign_in(context, live_server, reader)
    page.goto("/account/email/")
    page.get_by_role("radio", name=re.compile("An e-mail for each new briefing")).check()
    page.get_by_role("button", name="Save preferences").click()
    assert "Your e-mail preferences are saved." in page.locator(".messages").inner_text()

    name = briefing.category.name
    page.goto(briefing.get_absolute_url())
    page.locator(".follow-panel").get_by_role("button", name=f"Follow {name}").click()
    assert f"You follow {name}." in page.locator(".messages").inner_text()
    assert "(an e-mail for each)" in page.locator(".messages").inner_text()
    assert problems(page) == []
    context.close()


@pytest.mark.django_db(transaction=True)
def test_follow_publish_receive_and_unsubscribe_without_signing_in(smtp, chromium, live_server):
    energy = CategoryFactory(name="Grid energy")
    editor = StaffFactory(group="editors")
    reader = UserFactory(email="follower@example.org")
    MembershipFactory(user=reader, tier=Audience.STRATEGIC_CIRCLE)
    # Two more followers: one unsubscribes by one-click, one stays subscribed.
    one_click = member(follows=[energy], email="one-click@example.org")
    stays = member(follows=[energy], email="stays@example.org")

    follow_each_briefing(chromium, live_server, reader, gated_briefing(category=energy))
    assert DeliveryPreference.objects.get(user=reader).cadence == "each"
    assert Follow.objects.filter(user=reader, category=energy).exists()

    first = gated_briefing(
        category=energy,
        title="Interconnector capacity auctioned",
        circle=CIRCLE_TEXT,
        alliance=ALLIANCE_TEXT,
        status="draft",
        published_at=None,
    )
    publish_to_followers(chromium, live_server, editor, first)

    # The e-mail arrives, with the parts a Strategic Circle member reads.
    [message] = arrived(smtp, reader.email)
    assert message["Subject"] == first.title
    assert message["To"] == reader.email
    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    for part in (html, text):
        assert CIRCLE_TEXT in part and ALLIANCE_TEXT not in part
        assert f"{live_server.url}{first.get_absolute_url()}" in part
    assert "You follow Grid energy." in text
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_url = UNSUBSCRIBE_ALL.search(text).group(1)
    assert message["List-Unsubscribe"] == f"<{unsubscribe_url}>"
    assert unsubscribe_url.startswith(f"{live_server.url}/email/unsubscribe/")

    # Opened in a browser that is not signed in: asks first, then does it.
    context, page = open_page(chromium, live_server, viewport=DESKTOP)
    page.goto(unsubscribe_url)
    assert page.locator("h1").inner_text() == "Unsubscribe?"
    assert reader.email in page.locator(".lede").inner_text()
    assert not Suppression.objects.exists()  # opening the link changed nothing
    page.get_by_role("button", name="Unsubscribe").click()
    page.wait_for_url("**?done=1")
    assert page.locator("h1").inner_text() == "You are unsubscribed"
    assert problems(page) == []
    context.close()
    suppression = Suppression.objects.get(address=reader.email)
    assert suppression.reason == Suppression.Reason.UNSUBSCRIBED

    # A mail client's one-click unsubscribe: a plain POST, no cookies, no CSRF token.
    [other] = arrived(smtp, one_click.email)
    one_click_url = other["List-Unsubscribe"].strip("<>")
    request = urllib.request.Request(  # noqa: S310 (an http address of the live server)
        one_click_url,
        data=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert response.status == 200
        assert response.geturl() == one_click_url  # answered there, not redirected
        assert "You are unsubscribed" in response.read().decode()
    assert Suppression.objects.filter(address=one_click.email).exists()

    # The next briefing for the followers reaches only the one still subscribed.
    second = gated_briefing(
        category=energy, title="Second auction round", status="draft", published_at=None
    )
    publish_to_followers(chromium, live_server, editor, second)
    assert len(arrived(smtp, stays.email, count=2)) == 2
    assert len(arrived(smtp, reader.email, timeout=0)) == 1
    assert len(arrived(smtp, one_click.email, timeout=0)) == 1
    assert list(Delivery.objects.filter(briefing=second).values_list("user", flat=True)) == [
        stays.pk
    ]
