"""
The design holds up in the browser: the printed briefing, dark mode, phones without
sideways scrolling, no layout shift while loading, a readable measure, lock cards that
invite rather than warn, and the reading and sign-in paths with JavaScript off.
"""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from members.access import Audience
from tests.briefings.helpers import SEED_001_SLUG
from tests.browser.conftest import DESKTOP, PHONE, open_page
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    SourceFactory,
    UserFactory,
    gated_briefing,
    members_migration_data,
)

SEED = f"/briefings/{SEED_001_SLUG}/"
SOURCE_URL = "https://example.org/port-authority/statement-2026"
CIRCLE_TEXT = "Trend context for Strategic Circle members."


@pytest.fixture
def site(transactional_db):
    """The demo content, a briefing with a linked source, and a Strategic Circle member."""
    cache.clear()
    members_migration_data()
    call_command("load_demo", verbosity=0)
    briefing = gated_briefing(
        title="Harbour cranes go remote",
        slug="harbour-cranes-go-remote",
        summary="Ports.",
        public="Remote cranes run the night shift. " * 12 + "[Operator](https://example.org/op).",
        circle=CIRCLE_TEXT,
        alliance="For Leadership Alliance members.",
        source=SourceFactory(title="Port authority statement", url=SOURCE_URL),
    )
    member = UserFactory(email="circle@example.org")
    MembershipFactory(user=member, tier=Audience.STRATEGIC_CIRCLE)
    return {"briefing": briefing.get_absolute_url(), "member": member}


def signed_in(context, live_server, user):
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def background(page, selector="body"):
    return page.eval_on_selector(selector, "el => getComputedStyle(el).backgroundColor")


def test_printed_briefing_has_no_chrome_and_names_its_sources(site, chromium, live_server):
    # Dark on screen, printed on white: the print sheet sets its own light palette.
    context, page = open_page(chromium, live_server, viewport=DESKTOP, color_scheme="dark")
    page.goto(site["briefing"])
    assert page.locator(".lock-panel").is_visible()
    page.emulate_media(media="print")
    for selector in (".site-header", ".site-nav", ".site-footer", ".lock-panel", ".button"):
        assert page.locator(selector).first.is_hidden(), selector
    assert page.locator(".briefing__footer").is_hidden()
    assert background(page) == "rgb(255, 255, 255)"
    assert background(page, ".fact-file") == "rgb(255, 255, 255)"
    after = page.eval_on_selector(
        "a.source__title", "el => getComputedStyle(el, '::after').content"
    )
    assert SOURCE_URL in after
    link_after = page.eval_on_selector(
        ".prose a[href^='https']", "el => getComputedStyle(el, '::after').content"
    )
    assert "https://example.org/op" in link_after
    body_font = page.eval_on_selector(".prose p", "el => getComputedStyle(el).fontFamily")
    assert body_font.rstrip().endswith("serif") and "sans-serif" not in body_font
    breaks = page.eval_on_selector("h2", "el => getComputedStyle(el).breakAfter")
    assert breaks == "avoid"
    inside = page.eval_on_selector(".source", "el => getComputedStyle(el).breakInside")
    assert inside == "avoid"
    context.close()


def test_print_keeps_the_member_heading_only_with_member_text(site, chromium, live_server):
    context, page = open_page(chromium, live_server, viewport=DESKTOP)
    page.goto(site["briefing"])
    page.emulate_media(media="print")
    assert page.locator(".member-briefing").is_hidden()
    signed_in(context, live_server, site["member"])
    page.goto(site["briefing"])
    page.emulate_media(media="print")
    assert page.get_by_text(CIRCLE_TEXT).is_visible()
    assert page.locator(".lock-panel").is_hidden()
    context.close()


def test_dark_scheme_darkens_the_page(site, chromium, live_server):
    colours = {}
    for scheme in ("light", "dark"):
        context, page = open_page(chromium, live_server, viewport=PHONE, color_scheme=scheme)
        page.goto(SEED)
        colours[scheme] = (background(page), background(page, ".lock-card"))
        context.close()
    assert colours["light"][0] == "rgb(251, 250, 247)"
    assert colours["dark"][0] == "rgb(18, 21, 25)"
    assert colours["light"][1] != colours["dark"][1]


def test_lock_cards_invite_rather_than_warn(site, page):
    page.goto(SEED)
    red, green, blue = rgb(background(page, ".lock-panel"))
    # Warm paper: more red than blue, and light; not the white of an ordinary panel.
    assert red > blue and green > blue and min(red, green) > 200
    border = rgb(page.eval_on_selector(".lock-panel", "el => getComputedStyle(el).borderTopColor"))
    assert not (border[0] > 150 and border[1] < 90 and border[2] < 90), "red, like an error"
    join = page.locator(".lock-card").get_by_role("link", name="Join Strategic Circle")
    assert rgb(
        page.eval_on_selector(".lock-card .button", "el => getComputedStyle(el).backgroundColor")
    ) == (18, 50, 90)
    assert join.bounding_box()["height"] >= 44


def rgb(css: str) -> tuple[int, ...]:
    return tuple(int(part) for part in css[css.index("(") + 1 : -1].split(",")[:3])


MAIN_PAGES = [
    "/",
    "/briefings/",
    "/coverage/category/datacenter/",
    "/search/?q=data+centre",
    SEED,
    "/membership/",
    "/membership/strategic-circle/",
    "/membership/leadership-alliance/",
    "/accounts/login/",
    "/accounts/signup/",
    "/account/",
    "/briefings/no-such-briefing/",
]


def test_no_page_scrolls_sideways_on_a_phone(site, chromium, live_server):
    for scheme in ("light", "dark"):
        context, page = open_page(
            chromium, live_server, viewport=PHONE, is_mobile=True, color_scheme=scheme
        )
        signed_in(context, live_server, site["member"])
        for path in [*MAIN_PAGES, site["briefing"]]:
            page.goto(path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], (path, scheme, width)
        context.close()


def test_header_nav_fits_one_line_on_a_phone(site, phone_page):
    phone_page.goto(SEED)
    tops = {
        round(box["y"])
        for box in (link.bounding_box() for link in phone_page.locator(".site-nav a").all())
    }
    assert len(tops) == 1, tops


def test_on_a_phone_the_fact_file_comes_before_the_lock_cards(site, phone_page):
    phone_page.goto(SEED)
    article = phone_page.locator(".briefing__body").first.bounding_box()
    fact_file = phone_page.locator(".fact-file").bounding_box()
    member = phone_page.locator(".member-briefing").bounding_box()
    # What anyone may read, then the fact file (Impact and Confidence before the offer),
    # then the member briefing and its lock cards, then the way onwards.
    assert fact_file["y"] >= article["y"] + article["height"]
    assert member["y"] >= fact_file["y"] + fact_file["height"]
    impact = phone_page.locator(".classification dt", has_text="Confidence").bounding_box()
    lock_card = phone_page.locator(".lock-card").first.bounding_box()
    assert impact["y"] < lock_card["y"]
    back = phone_page.locator(".briefing__footer").bounding_box()
    assert back["y"] > member["y"] + member["height"]
    # The page's own order is the one on screen, so a keyboard or a screen reader meets
    # the article, then the fact file, then the lock cards, as the eye does.
    in_page_order = phone_page.evaluate(
        """() => [".briefing__body", ".fact-file", ".member-briefing", ".briefing__footer"]
            .map(s => document.querySelector(s))
            .every((el, i, all) => i === 0 ||
                all[i - 1].compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING)"""
    )
    assert in_page_order


LAYOUT_SHIFT = """
() => new Promise(resolve => {
  let total = 0;
  new PerformanceObserver(list => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
  }).observe({type: "layout-shift", buffered: true});
  setTimeout(() => resolve(total), 700);
})
"""


def test_nothing_moves_while_a_page_loads(site, chromium, live_server):
    for viewport in (PHONE, DESKTOP):
        context, page = open_page(chromium, live_server, viewport=viewport)
        for path in ("/", "/briefings/", SEED, "/membership/", "/accounts/login/"):
            page.goto(path, wait_until="load")
            shift = page.evaluate(LAYOUT_SHIFT)
            assert shift < 0.01, (path, viewport, shift)
            # No web fonts that swap in late; every image has its size up front.
            assert page.evaluate("document.fonts.size") == 0, path
            unsized = page.evaluate(
                "[...document.images].filter(i => !i.getAttribute('width')"
                " || !i.getAttribute('height')).length"
            )
            assert unsized == 0, path
        context.close()


def test_prose_lines_keep_a_readable_measure(site, page):
    page.goto(site["briefing"])
    characters = page.eval_on_selector(
        ".prose p",
        """p => {
          const probe = document.createElement("span");
          probe.style.cssText = "display:inline-block;width:1ch";
          p.appendChild(probe);
          const ch = probe.getBoundingClientRect().width;
          probe.remove();
          return p.getBoundingClientRect().width / ch;
        }""",
    )
    assert 60 <= characters <= 76, characters


def test_reading_and_signing_in_without_javascript(site, chromium, live_server):
    context, page = open_page(
        chromium, live_server, viewport=PHONE, is_mobile=True, java_script_enabled=False
    )
    page.goto(site["briefing"])
    assert page.get_by_role("heading", name="The fact").is_visible()
    assert page.locator(".lock-card").get_by_role("link", name="Join Strategic Circle").is_visible()
    assert CIRCLE_TEXT not in page.content()
    page.get_by_role("link", name="Already a member? Sign in").first.click()
    page.get_by_label("E-mail address").fill(site["member"].email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("form.auth-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith(site["briefing"])
    assert page.get_by_text(CIRCLE_TEXT).is_visible()
    assert page.get_by_role("link", name="Account").is_visible()
    context.close()


def test_keyboard_focus_shows_a_ring_in_both_schemes(site, chromium, live_server):
    rings = {}
    for scheme in ("light", "dark"):
        context, page = open_page(chromium, live_server, viewport=DESKTOP, color_scheme=scheme)
        page.goto(SEED)
        page.keyboard.press("Tab")  # the skip link
        page.keyboard.press("Tab")  # the masthead's name
        style = page.evaluate(
            """() => {
              const s = getComputedStyle(document.activeElement);
              return [s.outlineStyle, s.outlineWidth, s.outlineOffset, s.outlineColor];
            }"""
        )
        assert style[:3] == ["solid", "3px", "3px"], (scheme, style)
        rings[scheme] = (style[3], background(page, ".site-header"))
        context.close()
    # The ring is its own colour, lighter on dark paper than on light paper.
    assert rings["light"][0] != rings["dark"][0]
    for colour, header in rings.values():
        assert colour != header


def test_each_membership_tier_ends_in_one_clear_action(site, phone_page):
    phone_page.goto("/membership/")
    for name, slug in (
        ("Strategic Circle", "strategic-circle"),
        ("Leadership Alliance", "leadership-alliance"),
    ):
        action = phone_page.get_by_role("link", name=f"Explore {name}")
        assert action.get_attribute("href") == f"/membership/{slug}/"
        box = action.bounding_box()
        assert box["height"] >= 44 and box["height"] < 60, "one line, easy to tap"
