"""
A licence from start to finish in the browser: a membership manager creates it in admin
(password and authenticator code), the client's administrator fills its two seats with
invitations and is refused a third, a colleague accepts and reads the Leadership Alliance
parts, is removed and loses them on their next page, and a reader at the verified domain
joins while a seat is free.
"""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from organisations.models import Licence, Seat
from tests.browser.conftest import DESKTOP, PHONE, open_page
from tests.browser.helpers import (
    ALLIANCE_TEXT,
    PUBLIC_TEXT,
    force_sign_in,
    gated_briefing,
    no_horizontal_scroll,
    problems,
    sign_in_with_password,
    sign_up_with_code,
)
from tests.factories import (
    LicenceFactory,
    StaffFactory,
    UserFactory,
    members_migration_data,
    totp_code,
)


@pytest.fixture
def fresh(transactional_db):
    cache.clear()
    mail.outbox = []
    members_migration_data()


@pytest.fixture
def browser_page(chromium, live_server):
    contexts = []

    def new(viewport=DESKTOP, user=None, **options):
        context, page = open_page(chromium, live_server, viewport=viewport, **options)
        context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
        if user is not None:
            force_sign_in(context, live_server, user)
        contexts.append(context)
        return page

    yield new
    for context in contexts:
        context.close()


def invitation_link(email: str) -> str:
    [*_, message] = [m for m in mail.outbox if email in m.to]
    # The e-mail links to SITE_URL; the test server has a port of its own.
    return re.search(r"^https?://[^/]+(/team/invitations/\S+/)$", message.body, re.M).group(1)


def invite(page, email):
    page.get_by_label("E-mail address", exact=True).fill(email)
    page.get_by_role("button", name="Send the invitation").click()
    page.wait_for_load_state()


def create_licence_in_admin(page, manager, chief):
    page.goto("/admin/organisations/licence/add/")
    page.wait_for_url(re.compile(r"/accounts/login/"))
    sign_in_with_password(page, manager.email)
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    page.get_by_label(re.compile("code", re.I)).fill(totp_code(manager.totp_secret))
    page.get_by_role("button", name=re.compile("Sign in|Authenticate|Verify", re.I)).click()
    page.wait_for_url("**/admin/organisations/licence/add/")
    page.fill("#id_name", "Client Grid Ltd")
    page.fill("#id_seat_count", "2")
    page.fill("#id_ends_at_0", (timezone.localdate() + timedelta(days=365)).isoformat())
    page.fill("#id_ends_at_1", "00:00:00")
    page.check("#id_joins_by_domain_automatically")
    page.locator("#id_administrators + .select2").click()
    page.locator(".select2-container--open .select2-search__field").fill(chief.email)
    page.locator(".select2-results__option", has_text=chief.email).first.click()
    page.get_by_role("button", name="Add another Verified e-mail domain").click()
    page.fill("#id_domains-0-domain", "client.example")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url("**/admin/organisations/licence/")
    assert page.locator(".errornote").count() == 0
    assert problems(page) == []


def test_a_licence_from_admin_to_the_team_and_back(fresh, browser_page):
    briefing = gated_briefing(title="Grid connection queue reform")
    path = briefing.get_absolute_url()
    manager = StaffFactory(email="manager@publisher.example")
    manager.groups.add(Group.objects.get(name="Membership managers"))
    chief = UserFactory(email="chief@client.example")
    colleague = UserFactory(email="ada@client.example")

    create_licence_in_admin(browser_page(), manager, chief)
    licence = Licence.objects.get()
    assert licence.seat_count == 2 and list(licence.administrators.all()) == [chief]

    # The client's administrator, on a phone, fills the two seats with invitations.
    team = browser_page(viewport=PHONE, is_mobile=True, has_touch=True, user=chief)
    team.goto("/team/")
    team.wait_for_url(f"**/team/{licence.pk}/")
    invite(team, colleague.email)
    invite(team, "grace@client.example")
    invite(team, "third@client.example")
    assert "No seat is free" in team.content()
    assert no_horizontal_scroll(team)
    assert problems(team) == []

    # The colleague accepts and reads the Alliance's parts.
    reader = browser_page(user=colleague)
    reader.goto(invitation_link(colleague.email))
    reader.get_by_role("button", name="Take the seat").click()
    reader.wait_for_load_state()
    assert "Welcome to Client Grid Ltd" in reader.locator("main").inner_text()
    reader.goto(path)
    assert ALLIANCE_TEXT in reader.locator("main").inner_text()

    # The administrator withdraws one invitation and removes the colleague, who loses the
    # parts on their next page.
    team.reload()
    team.get_by_role("button", name="Withdraw the invitation to grace@client.example").click()
    team.wait_for_load_state()
    team.get_by_role("button", name=f"Remove {colleague.email}").click()
    team.wait_for_load_state()
    assert "no longer holds a seat" in team.content()
    reader.goto(path)
    main = reader.locator("main").inner_text()
    assert PUBLIC_TEXT in main and ALLIANCE_TEXT not in main
    # Treated as a lapsed member: the lock card offers to renew.
    assert reader.get_by_role("link", name="Renew Leadership Alliance").count() == 1
    assert problems(reader) == []

    # A reader at the verified domain joins while a seat is free: the licence gives it.
    newcomer = browser_page()
    newcomer.goto(f"/accounts/signup/?next={path}")
    sign_up_with_code(newcomer, "new.hire@client.example")
    newcomer.wait_for_url(f"**{path}")
    assert ALLIANCE_TEXT in newcomer.locator("main").inner_text()
    seat = Seat.objects.held().get(user__email="new.hire@client.example")
    assert seat.via == Seat.Via.DOMAIN
    assert problems(newcomer) == []

    team.reload()
    text = team.locator("main").inner_text()
    assert "new.hire@client.example" in text and colleague.email in text  # the log names both
    assert problems(team) == []


def team_with_history():
    """A licence ending soon with a holder, an open invitation and a log."""
    from organisations import invitations, services

    chief = UserFactory(email="chief@client.example")
    licence = LicenceFactory(name="Client Grid Ltd", seat_count=5, administrators=[chief])
    licence.ends_at = timezone.now() + timedelta(days=12)
    licence.save()
    services.seat_take(
        licence=licence, user=UserFactory(email="ada@client.example"), via=Seat.Via.INVITATION
    )
    _, token, _ = invitations.invitation_create(
        licence=licence, email="grace.hopper-with-a-long-address@client.example", by=chief
    )
    return chief, licence, token


@pytest.mark.parametrize("mode", ["desktop", "phone-dark"])
def test_the_team_and_invitation_pages_meet_the_standards(fresh, browser_page, mode):
    from tests.browser.standards import axe_violations, vnu_errors

    chief, licence, token = team_with_history()
    options = (
        {"viewport": DESKTOP}
        if mode == "desktop"
        else {"viewport": PHONE, "is_mobile": True, "color_scheme": "dark"}
    )
    documents = {}
    for name, user, path in (
        ("team", chief, licence.get_absolute_url()),
        ("invitation", UserFactory(), f"/team/invitations/{token}/"),
    ):
        page = browser_page(user=user, **options)
        response = page.goto(path)
        assert response.status == 200, name
        assert problems(page) == [], name
        assert no_horizontal_scroll(page), name
        assert axe_violations(page) == [], name
        documents[name] = page.content()
    if mode == "desktop":
        client = Client()
        client.force_login(chief)
        documents = {"team": client.get(licence.get_absolute_url()).text}
        sent_back = client.post(f"/team/{licence.pk}/invite/", {"email": "not an address"})
        documents["team-with-errors"] = sent_back.text
        assert {name: errors for name, errors in vnu_errors(documents).items() if errors} == {}
