"""
`make screenshots`: pictures of every main page, for a designer's eye and for the README.

Builds a throw-away SQLite database with the demo content and two members (one Strategic
Circle, one Leadership Alliance), runs the site under gunicorn with DEBUG off on a free
port, signs in through the sign-in form and saves full-page PNGs at 390px and 1280px into
screenshots/, plus the briefing in dark mode and as printed (print media, and a PDF).
It also rewrites the two README images in docs/screenshots/, and the briefing as each
reader state sees it (anonymous, signed in without a tier, Strategic Circle, Strategic
Circle with a Leadership Alliance application pending, Leadership Alliance lapsed, invited,
Leadership Alliance) with home as a stranger, in docs/screenshots/reader-states/.
`scripts/screenshots.py --reader-states` makes only those.

Uses the system Chromium (CHROMIUM_PATH, default /usr/bin/chromium) with the browser
tests' flags; Playwright never downloads a browser.
"""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

OUT = ROOT / "screenshots"
DOCS = ROOT / "docs" / "screenshots"
PYTHON = ROOT / ".venv" / "bin" / "python"
PASSWORD = "screenshots-only-" + secrets.token_hex(8)
BRIEFING = "/briefings/hkstp-and-sensetime-partner-on-hong-kong-ai-data-centre/"
WIDTHS = {"phone": 390, "desktop": 1280}
README_HEIGHT = 1600

# (file name, path, reader): reader is None (anonymous), "circle" or "alliance".
PAGES = [
    ("home", "/", None),
    ("list", "/briefings/", None),
    ("coverage", "/coverage/category/datacenter/", None),
    ("search", "/search/?q=data+centre", None),
    ("briefing-anonymous", BRIEFING, None),
    ("briefing-strategic-circle", BRIEFING, "circle"),
    ("briefing-leadership-alliance", BRIEFING, "alliance"),
    ("membership", "/membership/", None),
    ("tier-strategic-circle", "/membership/strategic-circle/", None),
    ("tier-leadership-alliance", "/membership/leadership-alliance/", "circle"),
    ("sign-in", "/accounts/login/", None),
    ("sign-up", "/accounts/signup/", None),
    ("account", "/account/", "circle"),
    ("not-found", "/briefings/no-such-briefing/", None),
]

# Readers by key: (e-mail, first name, last name). Their tiers and applications come from
# CREATE_MEMBERS below. "reader" is signed in without a tier: its address is not verified
# yet (signing in with a verified one grants Strategic Circle), so CREATE_MEMBERS signs it
# in as the tests do and prints the session's key.
READERS = {
    "circle": ("circle@example.org", "Cleo", "Circle"),
    "alliance": ("alliance@example.org", "Alex", "Alliance"),
    "reader": ("reader@example.org", "Rene", "Reader"),
    "pending": ("pending@example.org", "Pia", "Pending"),
    "lapsed": ("lapsed@example.org", "Lou", "Lapsed"),
}

# Prints "session <key>" for "reader", then the link of an open Leadership Alliance
# invitation, for the "invited" reader.
CREATE_MEMBERS = """
from datetime import timedelta

from django.test import Client

from allauth.account.models import EmailAddress
from django.utils import timezone

from members import services
from members.access import Audience
from members.models import Application, Membership, User

now = timezone.now()
SC, LA = Audience.STRATEGIC_CIRCLE, Audience.LEADERSHIP_ALLIANCE
# key: [(tier, ended)]
tiers = {"circle": [(SC, False)], "alliance": [(SC, False), (LA, False)], "reader": [],
         "pending": [(SC, False)], "lapsed": [(SC, False), (LA, True)]}
for key, (email, first, last) in %(readers)r.items():
    user = User.objects.create_user(email=email, password=%(password)r,
                                    first_name=first, last_name=last)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=key != "reader")
    if key == "reader":
        client = Client()
        client.force_login(user)
        print("session", client.session.session_key)
    for tier, ended in tiers[key]:
        Membership.objects.create(
            user=user, tier=tier, source=Membership.Source.SIGNUP,
            starts_at=now - timedelta(days=400) if ended else now,
            ends_at=now - timedelta(days=35) if ended else None,
        )
    if key == "pending":
        Application.objects.create(
            user=user, tier=LA, name=f"{first} {last}", organisation="Harbour Logistics",
            role="Head of infrastructure", reason="We are planning two AI data halls.",
        )
_, url, _ = services.invitation_create(email="guest@example.org", tier=LA, created_by=None,
                                       send=False)
print(url)
"""

# The briefing as each reader state sees it, into docs/screenshots/reader-states/:
# (file name part, reader key; None is anonymous, "invited" is signed out with an opened
# invitation).
READER_STATES = [
    ("anon", None),
    ("signed-in", "reader"),
    ("sc", "circle"),
    ("la-pending", "pending"),
    ("la-lapsed", "lapsed"),
    ("invited", "invited"),
    ("la", "alliance"),
]
READER_STATES_DIR = DOCS / "reader-states"
# The first 1.5 screens, then a crop of the lock panel (or, for a reader with nothing
# locked, the start of the member briefing).
SCREEN_HEIGHTS = {390: 844, 1280: 900}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env, *args, stdin=None) -> str:
    return subprocess.run(  # noqa: S603 (our own manage.py, our own arguments)
        [str(PYTHON), "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        input=stdin,
        text=True,
        stdout=subprocess.PIPE,
    ).stdout


def wait_until_up(url: str, server: subprocess.Popen):
    for _ in range(120):
        if server.poll() is not None:
            raise SystemExit("gunicorn stopped; see its output above")
        try:
            with urllib.request.urlopen(url + "healthz", timeout=2):  # noqa: S310 (http://127.0.0.1)
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the site did not answer at {url}")


def sign_in(browser, base_url: str, email: str) -> dict:
    """Signs in through the form, as a reader does; answers the context's storage state."""
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()
    if not page.get_by_role("link", name="Account").count():
        raise SystemExit(f"{email} could not sign in")
    state = context.storage_state()
    context.close()
    return state


def with_session(key: str) -> dict:
    """The storage state of a browser holding the session cookie `key` (DEBUG off, HTTP)."""
    cookie = {"name": "sessionid", "value": key, "domain": "127.0.0.1", "path": "/"}
    cookie |= {"expires": -1, "httpOnly": True, "secure": False, "sameSite": "Lax"}
    return {"cookies": [cookie], "origins": []}


def opened(browser, base_url: str, url: str) -> dict:
    """A signed-out reader who has opened an invitation link: the session remembers it."""
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    page.goto(url)
    state = context.storage_state()
    context.close()
    return state


def shoot(browser, base_url, states, name, path, reader, width, suffix="", **options):
    context = browser.new_context(
        base_url=base_url,
        viewport={"width": width, "height": 900},
        storage_state=states.get(reader),
        is_mobile=width < 600,
        has_touch=width < 600,
        **options,
    )
    page = context.new_page()
    page.goto(path, wait_until="networkidle")
    target = OUT / f"{name}{suffix}-{width}.png"
    page.screenshot(path=target, full_page=True)
    return context, page, target


def main():
    only_reader_states = sys.argv[1:] == ["--reader-states"]
    OUT.mkdir(exist_ok=True)
    DOCS.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="screenshots-"))
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/"
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}},
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": base_url.rstrip("/"),
        "SQLITE_PATH": str(workdir / "db.sqlite3"),
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "BEHIND_HTTPS_PROXY": "false",
        "SECURE_HSTS_SECONDS": "0",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "LOG_FORMAT": "plain",
    }
    print(f"==> database in {workdir}", file=sys.stderr)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "load_demo", "-v", "0")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    members = CREATE_MEMBERS % {"readers": READERS, "password": PASSWORD}
    *_, session_line, invitation_url = manage(env, "shell", "-c", members).strip().splitlines()
    reader_session = session_line.removeprefix("session ")

    server = subprocess.Popen(  # noqa: S603 (the project's gunicorn)
        [str(ROOT / ".venv" / "bin" / "gunicorn")], cwd=ROOT, env=env, stdout=subprocess.DEVNULL
    )
    try:
        wait_until_up(base_url, server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            states = {None: None, "invited": opened(browser, base_url, invitation_url)}
            for key, (email, _first, _last) in READERS.items():
                if key == "reader":
                    states[key] = with_session(reader_session)
                else:
                    states[key] = sign_in(browser, base_url, email)
            if only_reader_states:
                reader_states(browser, base_url, states)
            else:
                take(browser, base_url, states)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)


def take(browser, base_url, states):
    for name, path, reader in PAGES:
        for width in WIDTHS.values():
            context, _page, target = shoot(browser, base_url, states, name, path, reader, width)
            context.close()
            print(f"    {target.relative_to(ROOT)}", file=sys.stderr)

    # The briefing in dark mode, for every reader, at both widths.
    for name, reader in (
        ("briefing-anonymous", None),
        ("briefing-leadership-alliance", "alliance"),
    ):
        for width in WIDTHS.values():
            context, _page, target = shoot(
                browser,
                base_url,
                states,
                name,
                BRIEFING,
                reader,
                width,
                "-dark",
                color_scheme="dark",
            )
            context.close()
            print(f"    {target.relative_to(ROOT)}", file=sys.stderr)

    # The briefing as printed: print media in the browser, and the PDF Chromium prints.
    for name, reader in (
        ("briefing-anonymous", None),
        ("briefing-leadership-alliance", "alliance"),
    ):
        context = browser.new_context(
            base_url=base_url,
            viewport={"width": 800, "height": 1100},
            storage_state=states.get(reader),
        )
        page = context.new_page()
        page.goto(BRIEFING, wait_until="networkidle")
        page.emulate_media(media="print", color_scheme="dark")
        page.screenshot(path=OUT / f"{name}-print.png", full_page=True)
        page.pdf(path=OUT / f"{name}-print.pdf", format="A4", print_background=True)
        context.close()
        print(f"    screenshots/{name}-print.png and .pdf", file=sys.stderr)

    readme_images(browser, base_url, states)
    reader_states(browser, base_url, states)


def reader_states(browser, base_url, states):
    """The briefing as each reader state sees it, and home as a stranger; at both widths."""
    READER_STATES_DIR.mkdir(parents=True, exist_ok=True)
    shots = [(f"briefing-{name}", BRIEFING, reader) for name, reader in READER_STATES]
    shots.append(("home-anon", "/", None))
    for name, path, reader in shots:
        for width in WIDTHS.values():
            height = SCREEN_HEIGHTS[width]
            context = browser.new_context(
                base_url=base_url,
                viewport={"width": width, "height": height},
                storage_state=states.get(reader),
                is_mobile=width < 600,
                has_touch=width < 600,
            )
            page = context.new_page()
            page.goto(path, wait_until="networkidle")
            files = [READER_STATES_DIR / f"{name}-{width}.png"]
            full = page.evaluate("document.documentElement.scrollHeight")
            page.screenshot(
                path=files[0],
                full_page=True,
                clip={"x": 0, "y": 0, "width": width, "height": min(full, height * 1.5)},
            )
            if path == BRIEFING:
                files.append(READER_STATES_DIR / f"{name}-{width}-lock-panel.png")
                panel = page.locator(".lock-panel")
                if panel.count():
                    panel.screenshot(path=files[1])
                else:
                    box = page.locator(".member-briefing").bounding_box()
                    x, y = max(0, box["x"] - 16), max(0, box["y"] - 16)
                    page.screenshot(
                        path=files[1],
                        full_page=True,
                        clip={
                            "x": x,
                            "y": y,
                            "width": min(box["width"] + 32, width - x),
                            "height": min(box["height"] + 32, height),
                        },
                    )
            context.close()
            for file in files:
                compact(file)
                size = file.stat().st_size // 1024
                print(f"    {file.relative_to(ROOT)} ({size} KB)", file=sys.stderr)


def compact(path: Path):
    """Down to 256 colours, undithered: a page's flat colours and text look the same at
    about 40% of the bytes, so the images can live in the repository."""
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(
            colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
    small.save(path, optimize=True)


def readme_images(browser, base_url, states):
    """The two README images: the briefing unlocked, and the same briefing with lock cards."""
    for name, reader in (
        ("briefing-leadership-alliance", "alliance"),
        ("briefing-lock-cards", None),
    ):
        context = browser.new_context(
            base_url=base_url,
            viewport={"width": 1280, "height": README_HEIGHT},
            storage_state=states.get(reader),
        )
        page = context.new_page()
        page.goto(BRIEFING, wait_until="networkidle")
        # From the last public section to the end of the member briefing: the reader sees
        # public text, then what is open to them or what the lock cards offer.
        start = page.locator(".briefing__body > section.briefing-section").last.bounding_box()
        member = page.locator(".member-briefing").bounding_box()
        top = max(0, start["y"] - 24)
        bottom = member["y"] + member["height"] + 24
        page.screenshot(
            path=DOCS / f"{name}.png",
            full_page=True,
            clip={"x": 0, "y": top, "width": 1280, "height": min(bottom - top, README_HEIGHT)},
        )
        context.close()
        size = (DOCS / f"{name}.png").stat().st_size // 1024
        print(f"    docs/screenshots/{name}.png ({size} KB)", file=sys.stderr)


if __name__ == "__main__":
    main()
