"""
Steps the browser journeys share: a briefing with a section for every audience, the ways a
reader signs up and in, what the browser noticed going wrong, and moving by keyboard.
"""

import re

from django.conf import settings
from django.core import mail
from django.test import Client

from tests import factories
from tests.factories import PASSWORD, SourceFactory

PUBLIC_TEXT = "Public demo text anyone reads."
CIRCLE_TEXT = "Quokkacirclemarker trend context for Strategic Circle members."
ALLIANCE_TEXT = "Narwhalalliancemarker failure paths for Leadership Alliance members."
NOTE_TEXT = "Pangolinnotemarker: what the source leaves out, for Leadership Alliance members."

# allauth's codes (e-mail verification, sign-in) stand alone on their line: ABCD-1234.
CODE = re.compile(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.MULTILINE)


def gated_briefing(**kwargs):
    """A published briefing with a section for every audience and a Leadership Alliance
    source note, each with a marker that cannot appear on a page by accident."""
    return factories.gated_briefing(
        public=PUBLIC_TEXT,
        circle=CIRCLE_TEXT,
        alliance=ALLIANCE_TEXT,
        source=SourceFactory(title="Operator press release"),
        note=NOTE_TEXT,
        **kwargs,
    )


def code_sent_to(email: str) -> str:
    """The code in the latest e-mail to `email` (a verification or a sign-in code)."""
    [*_, message] = [m for m in mail.outbox if email in m.to]
    return CODE.search(message.body).group(1)


def sign_up_with_code(page, email: str):
    """On the sign-up page: join with an e-mail address alone and confirm it by code."""
    page.get_by_label("E-mail address").fill(email)
    page.get_by_role("button", name=re.compile("Sign up|Join", re.I)).click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/"))
    page.get_by_label("Code").fill(code_sent_to(email))
    page.get_by_role("button", name=re.compile("Confirm|Verify", re.I)).click()


def sign_in_with_password(page, email: str, password: str = PASSWORD):
    """On the sign-in page: e-mail address and password, then allauth's submit button."""
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.locator("form.auth-form button[type=submit]").click()


def force_sign_in(context, live_server, user):
    """Give the browser `user`'s session cookie (no password, no second factor)."""
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def csp_violations(page) -> list[str]:
    """What the page's policy refused so far (recorded by conftest's RECORD_VIOLATIONS)."""
    return page.evaluate("window.__cspViolations || []")


def no_horizontal_scroll(page) -> bool:
    """The page fits the screen's width: nothing to scroll sideways to."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


# What Chromium logs for a page answered with 404: a console error, but not a problem.
CHROMIUM_404 = "Failed to load resource: the server responded with a status of 404 (Not Found)"


def problems(page) -> list[str]:
    """Console errors, page errors and CSP violations of the page now loaded."""
    return [*page.console_errors, *csp_violations(page)]


# --- The keyboard ---------------------------------------------------------------------

FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]"

# The focused element, described for assertions and error messages; `position` is its place
# among the page's focusable elements in document order.
ACTIVE = """(focusable) => {
  const el = document.activeElement;
  return {
    position: [...document.querySelectorAll(focusable)].indexOf(el),
    tag: el.tagName.toLowerCase(),
    id: el.id,
    name: el.getAttribute("name") || "",
    href: el.getAttribute("href") || "",
    text: (el.innerText || el.value || "").trim().slice(0, 80),
  };
}"""

# How each element that can take focus looks without it (its outline and box shadow),
# recorded before the first Tab: window.__rings.
RECORD_RINGS = """(focusable) => {
  const ring = (el) => {
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0
      ? `outline ${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`
      : "no outline";
    return `${outline}, box-shadow ${style.boxShadow}`;
  };
  window.__ring = ring;
  window.__rings = new Map();
  for (const el of document.querySelectorAll(focusable)) {
    if (el !== document.activeElement) window.__rings.set(el, ring(el));
  }
}"""
# The focused element's ring now and unfocused.
FOCUS_RING = """() => {
  const el = document.activeElement;
  return [window.__rings.get(el), window.__ring(el)];
}"""


def active(page) -> dict:
    return page.evaluate(ACTIVE, FOCUSABLE)


def record_rings(page):
    """Note how everything focusable looks unfocused, to tell that focus shows later."""
    page.evaluate(RECORD_RINGS, FOCUSABLE)


def tab_until(page, matches, limit: int = 60) -> list[dict]:
    """
    Press Tab until the focused element `matches` (a predicate on `active()`); returns every
    element focused on the way, the last one matching. Each must show that it has focus,
    and they come in the order they stand in the page (no positive tabindex).
    """
    record_rings(page)
    visited = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        element = active(page)
        visited.append(element)
        assert element["tag"] != "body", f"Tab left the page after {visited[:-1]}"
        assert_focus_visible(page, element)
        if len(visited) > 1:
            assert visited[-2]["position"] < element["position"], f"Tab went back: {visited}"
        if matches(element):
            return visited
    raise AssertionError(f"Tab never reached the element; it went through {visited}")


def assert_focus_visible(page, element: dict):
    """The focused element looks different from itself unfocused: a ring or a shadow."""
    unfocused, focused = page.evaluate(FOCUS_RING)
    assert unfocused is not None, f"{element} was not on the page before Tab reached it"
    assert focused != unfocused, f"no visible focus on {element}: {focused}"
