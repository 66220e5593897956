"""
Browser tests drive the system Chromium through Playwright against Django's live server.
Playwright never downloads a browser: it is pointed at the Debian package's binary.
"""

import os

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Flags for a closed network: no background connections that would only be refused.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

# Every page records the Content Security Policy's refusals in window.__cspViolations, from
# before any of its own scripts run (tests.browser.helpers.csp_violations reads them).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile || event.documentURI}:${event.lineNumber}`
  );
});
"""

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_page(chromium, live_server, **context_options):
    """
    A fresh browser context and page that records console errors, page errors and CSP
    violations.
    """
    context = chromium.new_context(base_url=live_server.url, **context_options)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    return context, page


@pytest.fixture
def page(chromium, live_server):
    context, page = open_page(chromium, live_server, viewport=DESKTOP)
    yield page
    context.close()


@pytest.fixture
def phone_page(chromium, live_server):
    context, page = open_page(chromium, live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    yield page
    context.close()
