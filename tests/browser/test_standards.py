"""
Every kind of page meets WCAG 2.2 AA as axe-core checks it (on a desktop, on a 390px phone
and in dark mode) and is valid HTML as the Nu Html Checker reads what the server sends.
"""

from dataclasses import dataclass
from datetime import date

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, RequestFactory

from briefings.models import Briefing
from briefings.search import briefings_reindex
from config import views
from members.access import Audience
from tests.browser.conftest import DESKTOP, PHONE, open_page
from tests.browser.helpers import CHROMIUM_404
from tests.browser.helpers import problems as browser_problems
from tests.browser.standards import axe_violations, vnu_errors
from tests.factories import (
    BriefingFactory,
    CategoryFactory,
    CitationFactory,
    MembershipFactory,
    SectionFactory,
    SourceFactory,
    UserFactory,
    gated_briefing,
    library_image,
    members_migration_data,
)

ANONYMOUS, CIRCLE, ALLIANCE = "anonymous", "circle", "alliance"
BRIEFING = "/briefings/harbour-cranes-go-remote/"


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    reader: str = ANONYMOUS
    status: int = 200


PAGES = [
    Page("home", "/"),
    Page("list", "/briefings/"),
    Page("coverage", "/coverage/category/ports/"),
    Page("search", "/search/?q=night+shift"),
    Page("briefing-anonymous", BRIEFING),
    Page("briefing-strategic-circle", BRIEFING, CIRCLE),
    Page("briefing-leadership-alliance", BRIEFING, ALLIANCE),
    Page("sign-in", "/accounts/login/"),
    Page("sign-up", "/accounts/signup/"),
    Page("account", "/account/", CIRCLE),
    Page("membership", "/membership/"),
    Page("tier-strategic-circle", "/membership/strategic-circle/"),
    # A Strategic Circle member sees the Leadership Alliance application form.
    Page("tier-leadership-alliance", "/membership/leadership-alliance/", CIRCLE),
    Page("not-found", "/briefings/no-such-briefing/", status=404),
]

# Checked for valid HTML as well (test_member_pages.py runs axe on several of them).
ACCOUNT_PAGES = [
    "/account/delete/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/2fa/",
    "/accounts/sessions/",
]

# Where axe looks at each page: a desktop, a phone in dark mode (contrast of the dark
# palette, the narrow layout); the briefing pages, the densest, also on a light phone.
MODES = {
    "desktop": {"viewport": DESKTOP},
    "phone-dark": {"viewport": PHONE, "is_mobile": True, "color_scheme": "dark"},
}
BRIEFING_MODES = {
    **MODES,
    "phone": {"viewport": PHONE, "is_mobile": True, "color_scheme": "light"},
    "desktop-dark": {"viewport": DESKTOP, "color_scheme": "dark"},
}


def build_site():
    """
    A small site with every part a page can show: a signal brief with public, Strategic
    Circle and Leadership Alliance sections, sources with notes, an article beside it, a
    search index, and one reader of each tier. Answers {reader: user or None}.
    """
    cache.clear()
    members_migration_data()
    ports = CategoryFactory(name="Ports")
    # Images in the page, its cards and a member's section: their markup is checked too.
    crane = library_image(title="Crane", alt_text="A remote-controlled crane at night")
    briefing = gated_briefing(
        signal_brief=True,
        lead_image=crane,
        title="Harbour cranes go remote",
        slug="harbour-cranes-go-remote",
        summary="Ports automate the night shift.",
        category=ports,
        category_rationale="Port operators buy the cranes.",
        authors="Ada Example, Grace Example",
        public="Remote cranes now run the **night shift** at two ports.\n\n- one\n- two",
        circle="Trend context for Strategic Circle members.\n\n![](image:crane)",
        alliance="What could go wrong, for Leadership Alliance members.",
        source=SourceFactory(title="Port authority statement", published_on=date(2026, 3, 2)),
        note="Confirmed by the operator's *own* filing.",
    )
    CitationFactory(
        briefing=briefing,
        position=2,
        source=SourceFactory(title="Trade press report", url=""),
        note="Second-hand; treat with care.",
    )
    article = BriefingFactory(
        kind=Briefing.Kind.ARTICLE,
        title="Night shift economics at container terminals",
        summary="Why the night shift goes first.",
        category=ports,
    )
    SectionFactory(briefing=article, body="The night shift costs most.")
    # Enough briefings for every block of the home page (lead, rail, latest, coverage).
    for number in range(10):
        BriefingFactory(title=f"Grid note {number}", published_at=briefing.published_at)
    briefings_reindex()

    circle = UserFactory(email="circle@example.org", first_name="Cleo", last_name="Circle")
    MembershipFactory(user=circle, tier=Audience.STRATEGIC_CIRCLE)
    alliance = UserFactory(email="alliance@example.org")
    MembershipFactory(user=alliance, tier=Audience.STRATEGIC_CIRCLE)
    MembershipFactory(user=alliance, tier=Audience.LEADERSHIP_ALLIANCE)
    return {ANONYMOUS: None, CIRCLE: circle, ALLIANCE: alliance}


def signed_in_client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("target", PAGES, ids=lambda page: page.name)
def test_page_has_no_accessibility_violations(target, chromium, live_server):
    readers = build_site()
    session = signed_in_client(readers[target.reader]).cookies.get(settings.SESSION_COOKIE_NAME)
    modes = BRIEFING_MODES if target.path == BRIEFING else MODES
    found = {}
    for mode, options in modes.items():
        context, page = open_page(chromium, live_server, **options)
        if session is not None:
            context.add_cookies(
                [{"name": session.key, "value": session.value, "url": live_server.url}]
            )
        response = page.goto(target.path)
        assert response.status == target.status, mode
        if target.reader != ANONYMOUS:
            assert page.get_by_role("link", name="Account").count() >= 1, "not signed in"
        # No console errors and no CSP violations either, in any mode.
        assert browser_problems(page) == ([CHROMIUM_404] if target.status == 404 else []), mode
        # Folded content (search filters, details panels) is checked too, unfolded.
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        violations = axe_violations(page)
        context.close()
        if violations:
            found[mode] = violations
    assert found == {}, report(found)


@pytest.mark.django_db
def test_every_page_is_valid_html():
    readers = build_site()
    clients = {reader: signed_in_client(user) for reader, user in readers.items()}
    documents = {}
    for target in PAGES:
        response = clients[target.reader].get(target.path)
        assert response.status_code == target.status, target.name
        documents[target.name] = response.content.decode(response.charset or "utf-8")
    # The other account pages a member reaches from the account page.
    for path in ACCOUNT_PAGES:
        response = clients[CIRCLE].get(path)
        assert response.status_code == 200, path
        documents[path] = response.text
    # A form sent back with its errors, the way readers see it after a mistake.
    response = clients[CIRCLE].post("/membership/leadership-alliance/", {})
    assert response.status_code == 200
    assert "This field is required." in response.text
    documents["tier-leadership-alliance-with-errors"] = response.text
    response = clients[ANONYMOUS].post("/accounts/login/", {"login": "x@example.org"})
    assert response.status_code == 200
    documents["sign-in-with-errors"] = response.text
    response = clients[ANONYMOUS].post("/accounts/signup/", {"email": "not an address"})
    assert response.status_code == 200
    documents["sign-up-with-errors"] = response.text
    # The pages served when something has failed, as the error handlers send them.
    request = RequestFactory().get("/")
    documents["server-error"] = views.server_error(request).content.decode()
    documents["service-unavailable"] = views.service_unavailable(request).content.decode()

    problems = {name: errors for name, errors in vnu_errors(documents).items() if errors}
    assert problems == {}, report(problems)


def report(problems: dict[str, list[str]]) -> str:
    """One block per page and line per problem, so a failure reads as a to-do list."""
    return "\n".join(
        f"{name}:\n" + "\n".join(f"  - {problem}" for problem in found)
        for name, found in problems.items()
    )
