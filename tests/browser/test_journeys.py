"""
The journeys readers, members and membership managers make through the site, end to end in
Chromium: a reader on a phone joins from a briefing's lock card; a member applies for
Leadership Alliance, a manager approves it in admin and the member reads on; reading and
signing in by keyboard alone. Every page on the way must be free of console errors and
Content Security Policy violations.
"""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from members.access import Audience
from members.models import Application, Membership
from tests.browser.conftest import DESKTOP, PHONE, open_page
from tests.browser.helpers import (
    ALLIANCE_TEXT,
    CIRCLE_TEXT,
    NOTE_TEXT,
    PUBLIC_TEXT,
    active,
    code_sent_to,
    gated_briefing,
    no_horizontal_scroll,
    problems,
    sign_in_with_password,
    tab_until,
)
from tests.factories import (
    PASSWORD,
    BriefingFactory,
    MembershipFactory,
    StaffFactory,
    UserFactory,
    members_migration_data,
    totp_code,
)


@pytest.fixture
def fresh(transactional_db):
    """Nothing left over from other tests: no cached pages or rate limits, no mail, and the
    rows the data migrations make (tiers, the membership managers group)."""
    cache.clear()
    mail.outbox = []
    members_migration_data()


@pytest.fixture
def browser_page(chromium, live_server):
    """Open more pages, each in its own context (its own cookies: another person)."""
    contexts = []

    def new(viewport=DESKTOP, **options):
        context, page = open_page(chromium, live_server, viewport=viewport, **options)
        contexts.append(context)
        return page

    yield new
    for context in contexts:
        context.close()


def phone(browser_page):
    return browser_page(viewport=PHONE, is_mobile=True, has_touch=True)


def test_reader_on_a_phone_joins_from_a_lock_card_and_reads_on(fresh, phone_page):
    page = phone_page
    briefing = gated_briefing(title="HKSTP and SenseTime partner on an AI data centre")
    path = briefing.get_absolute_url()

    page.goto("/")
    page.get_by_role("link", name=briefing.title).first.click()
    page.wait_for_url(f"**{path}")
    assert PUBLIC_TEXT in page.locator("main").inner_text()
    # Lock cards stand where the gated sections would be; their text never reaches the page.
    cards = page.locator(".lock-card")
    assert cards.count() == 2
    assert "Strategic Circle" in cards.nth(0).inner_text()
    assert "Leadership Alliance" in cards.nth(1).inner_text()
    for gated in (CIRCLE_TEXT, ALLIANCE_TEXT, NOTE_TEXT):
        assert gated not in page.content()
    # The cards fit the phone's screen: nothing to scroll sideways to reach the button.
    assert no_horizontal_scroll(page)
    join = cards.nth(0).get_by_role("link", name="Join Strategic Circle")
    assert join.bounding_box()["x"] + join.bounding_box()["width"] <= PHONE["width"]
    join.click()
    page.wait_for_url(re.compile(r"/accounts/signup/\?next="))
    assert no_horizontal_scroll(page)
    assert problems(page) == []

    page.get_by_label("E-mail address").fill("phone.reader@example.org")
    page.get_by_role("button", name="Join Strategic Circle").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/"))
    assert no_horizontal_scroll(page)
    assert problems(page) == []
    [message] = mail.outbox
    assert message.to == ["phone.reader@example.org"]
    page.get_by_label("Code").fill(code_sent_to("phone.reader@example.org"))
    page.get_by_role("button", name=re.compile("Confirm|Verify", re.I)).click()

    page.wait_for_url(f"**{path}#unlocked-strategic-circle")
    main = page.locator("main").inner_text()
    assert CIRCLE_TEXT in main
    assert ALLIANCE_TEXT not in page.content()
    assert NOTE_TEXT not in page.content()
    # What is still locked says so, and offers the next tier.
    [card] = page.locator(".lock-card").all()
    assert "Leadership Alliance" in card.inner_text()
    assert problems(page) == []


def test_member_applies_a_manager_approves_and_the_member_reads_alliance_sections(
    fresh, browser_page, live_server, settings
):
    settings.SITE_URL = live_server.url  # the links in e-mails lead to this server
    briefing = gated_briefing(title="Grid operator signs a transmission deal")
    path = briefing.get_absolute_url()
    member = UserFactory(email="circle.member@example.org")
    MembershipFactory(user=member, tier=Audience.STRATEGIC_CIRCLE)
    manager = StaffFactory(email="manager@example.org", group="Membership managers")

    # The member, on a phone, signs in from the lock card and applies from the next one.
    page = phone(browser_page)
    page.goto(path)
    page.get_by_role("link", name="Already a member? Sign in").first.click()
    # The sign-in page itself, not the briefing while it is being left.
    page.wait_for_url("**/accounts/login/**")
    page.wait_for_load_state()
    assert no_horizontal_scroll(page)
    sign_in_with_password(page, member.email)
    page.wait_for_url(f"**{path}")
    assert CIRCLE_TEXT in page.locator("main").inner_text()
    assert ALLIANCE_TEXT not in page.content()
    page.locator(".lock-card").get_by_role("link", name="Apply for Leadership Alliance").click()
    page.wait_for_url("**/membership/leadership-alliance/?next=*")
    assert no_horizontal_scroll(page)
    page.get_by_label("Name").fill("Ada Example")
    page.get_by_label("Organisation").fill("Example Grid Partners")
    page.get_by_label("Role").fill("Head of infrastructure investment")
    page.get_by_label("Why do you want to join?").fill("We underwrite transmission projects.")
    page.get_by_role("button", name="Send application").click()
    page.wait_for_load_state()
    assert "Your application is being reviewed" in page.locator("main").inner_text()
    assert no_horizontal_scroll(page)
    assert problems(page) == []
    # The way back to the briefing the member came from.
    assert page.get_by_role("link", name="Back to the briefing").get_attribute("href") == path
    application = Application.objects.get(user=member)
    assert application.is_pending

    # The manager, on a phone too, signs into admin with a password and an authenticator code.
    admin = phone(browser_page)
    admin.goto("/admin/")
    admin.wait_for_url(re.compile(r"/accounts/login/\?next=%2Fadmin%2F$"))
    sign_in_with_password(admin, manager.email)
    admin.wait_for_url("**/accounts/2fa/authenticate/**")
    assert problems(admin) == []
    admin.get_by_label(re.compile("code", re.I)).fill(totp_code(manager.totp_secret))
    admin.get_by_role("button", name=re.compile("Sign in|Authenticate|Verify", re.I)).click()
    admin.wait_for_url("**/admin/")
    assert problems(admin) == []
    admin.get_by_role("link", name="Applications").first.click()
    admin.get_by_role("link", name="Ada Example").click()
    admin.get_by_role("button", name="Approve and e-mail").click()
    admin.wait_for_url("**/admin/members/application/")
    assert "Approved 1 application(s) and e-mailed" in admin.locator(".messagelist").inner_text()
    assert problems(admin) == []

    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED
    assert application.reviewed_by == manager
    membership = Membership.objects.get(user=member, tier=Audience.LEADERSHIP_ALLIANCE)
    assert membership.is_active_at(timezone.now() + timedelta(minutes=1))
    # The member also got the acknowledgement of the application; the manager a notice.
    [approval] = [m for m in mail.outbox if member.email in m.to and "Welcome" in m.subject]
    assert approval.subject.endswith("Welcome to the Leadership Alliance")
    account_link = re.search(r"^(http\S+/account/)$", approval.body, re.MULTILINE).group(1)

    # The member follows the e-mail's link elsewhere, signs in afresh and reads what the
    # Alliance unlocks.
    reader = phone(browser_page)
    reader.goto(account_link)
    sign_in_with_password(reader, member.email)
    reader.wait_for_url("**/account/")
    assert "Leadership Alliance" in reader.locator("main").inner_text()
    assert problems(reader) == []
    reader.goto(path)
    main = reader.locator("main").inner_text()
    for text in (PUBLIC_TEXT, CIRCLE_TEXT, ALLIANCE_TEXT, NOTE_TEXT):
        assert text in main
    assert reader.locator(".lock-card").count() == 0
    assert no_horizontal_scroll(reader)
    assert problems(reader) == []
    # Where the member applied, still signed in, the briefing opens up too.
    page.goto(path)
    assert ALLIANCE_TEXT in page.locator("main").inner_text()
    assert NOTE_TEXT in page.locator("main").inner_text()


def is_briefing_link(element) -> bool:
    return element["tag"] == "a" and re.fullmatch(r"/briefings/[\w-]+/", element["href"])


def test_reading_by_keyboard_alone(fresh, page):
    now = timezone.now()
    briefings = [
        gated_briefing(title="Keyboard briefing 1", published_at=now - timedelta(hours=1)),
        *(
            BriefingFactory(title=f"Keyboard briefing {n}", published_at=now - timedelta(hours=n))
            for n in range(2, 6)
        ),
    ]
    page.goto("/")
    # From the top of the page, the first Tab reaches the skip link, which shows itself.
    [skip] = tab_until(page, lambda element: True, limit=1)
    assert skip["text"] == "Skip to content"
    assert skip["href"] == "#main"
    box = page.locator(".skip-link").bounding_box()
    assert box["y"] >= 0 and box["height"] > 0, "the focused skip link is off screen"
    page.keyboard.press("Enter")
    assert active(page)["id"] == "main"

    # From the main content, Tab goes through the briefings newest first, in page order.
    newest_first = [b.get_absolute_url() for b in briefings]
    visited = tab_until(page, lambda element: element["href"] == newest_first[-1], limit=20)
    reached = [e["href"] for e in visited if is_briefing_link(e)]
    assert list(dict.fromkeys(reached)) == newest_first

    # Shift+Tab back to the lead briefing, then Enter opens it.
    for _ in visited:
        if active(page)["href"] == newest_first[0]:
            break
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{newest_first[0]}")
    assert page.locator("h1").inner_text() == "Keyboard briefing 1"

    # On the briefing: the skip link again, then through the text to the first lock card.
    [skip] = tab_until(page, lambda element: True, limit=1)
    assert skip["href"] == "#main"
    page.keyboard.press("Enter")
    assert active(page)["id"] == "main"
    tab_until(page, lambda element: element["text"] == "Join Strategic Circle free", limit=30)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/accounts/signup/\?next="))
    assert problems(page) == []


def test_signing_in_by_keyboard_alone_with_a_password_and_with_a_code(fresh, browser_page):
    member = UserFactory(email="keys@example.org")
    MembershipFactory(user=member, tier=Audience.STRATEGIC_CIRCLE)

    # With a password: Tab to each field, type, Enter sends the form.
    page = browser_page()
    page.goto("/accounts/login/")
    tab_until(page, lambda element: element["name"] == "login")
    page.keyboard.type(member.email)
    tab_until(page, lambda element: element["name"] == "password", limit=3)
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("/")
    assert page.get_by_role("link", name="Account").count() == 1
    assert problems(page) == []

    # With a code e-mailed to them: from the sign-in page to the code form, by keyboard.
    page = browser_page()
    page.goto("/accounts/login/")
    tab_until(page, lambda element: "code" in element["text"].lower())
    page.keyboard.press("Enter")
    page.wait_for_url("**/accounts/login/code/")
    tab_until(page, lambda element: element["name"] == "email")
    page.keyboard.type(member.email)
    page.keyboard.press("Enter")
    page.wait_for_url("**/accounts/login/code/confirm/")
    tab_until(page, lambda element: element["name"] == "code")
    page.keyboard.type(code_sent_to(member.email))
    page.keyboard.press("Enter")
    page.wait_for_url("/")
    assert page.get_by_role("link", name="Account").count() == 1
    assert problems(page) == []
