"""
Two app servers behind one load balancer, sharing one PostgreSQL database and one Redis,
as production runs with more than one machine. What a reader does on one server holds on
the other, because nothing that matters lives in a server's memory:

- a sign-in on server A is a sign-in on server B with the same cookie (sessions are stored
  in the database and cached in Redis, `config/sessions.py`), and signing out on B signs
  out on A;
- allauth's rate limits count in Redis, so failed sign-ins spread over both servers trip
  the limit on their combined number;
- an editor's change saved through the admin on A is what the very next reader sees on B,
  anonymous or signed in, whatever either server may have cached.

Each server is gunicorn with production settings (DEBUG off, HTTPS behind a proxy, secure
cookies) against a database of its own on the PostgreSQL server the suite uses. Redis is
REDIS_URL_FOR_TESTS (default redis://127.0.0.1:6379/14), with a key prefix of this run's
own; the tests are skipped when it does not answer, and on SQLite.
"""

import json
import os
import re
import secrets
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import psycopg
import pytest
from django.conf import settings

from config.caching import PAGE_HEADER
from tests.factories import PASSWORD, totp_code
from tests.prodlike import HOST, Gunicorn, manage, production_environment

REDIS_URL = os.environ.get("REDIS_URL_FOR_TESTS", "redis://127.0.0.1:6379/14")
ORIGIN = f"https://{HOST}"


def _redis_answers() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except Exception:  # any failure means: no Redis to share
        return False


_ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
pytestmark = [
    pytest.mark.skipif(not _ON_POSTGRES, reason="two servers share a PostgreSQL database"),
    pytest.mark.skipif(
        _ON_POSTGRES and not _redis_answers(),
        reason=f"no Redis answers at {REDIS_URL}: several servers share state through it",
    ),
]

# Run in the database the servers use, with the production settings, through manage.py.
SETUP = """
import json
from briefings.models import Briefing
from tests.factories import BriefingFactory, SectionFactory, StaffFactory, UserFactory

reader = UserFactory(email="reader@example.org")
UserFactory(email="target@example.org")
editor = StaffFactory(email="editor@example.org", group="editors")
briefing = BriefingFactory(
    title="Grid operators ration new datacentre connections",
    slug="grid-rationing",
    summary="Regulators let grid operators queue new connections.",
    status=Briefing.Status.PUBLISHED,
)
SectionFactory(briefing=briefing, position=0, heading="The fact", body="Queues of two years.")
print(json.dumps({"briefing": briefing.pk, "totp_secret": editor.totp_secret}))
"""


def _server_url(name: str) -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgresql://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{name}"


@pytest.fixture(scope="module")
def shared():
    """A database of its own on the suite's PostgreSQL server, migrated and seeded."""
    name = f"briefings_two_servers_{secrets.token_hex(4)}"
    admin_url = _server_url("postgres")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        env = production_environment(
            _server_url(name),
            REDIS_URL=REDIS_URL,
            # This run's own keys: counts left by an earlier run cannot leak in.
            CACHE_KEY_PREFIX=f"two-servers-{secrets.token_hex(6)}",
            LOG_LEVEL="WARNING",
        )
        manage(env, "migrate", "--noinput")
        seeded = json.loads(manage(env, "shell", "-c", SETUP).stdout.strip().splitlines()[-1])
        yield env, seeded
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _forget_keys(env["CACHE_KEY_PREFIX"])


def _forget_keys(prefix):
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{prefix}:*", count=500))
    if keys:
        client.delete(*keys)


@pytest.fixture(scope="module")
def servers(shared, tmp_path_factory):
    env, _ = shared
    folder = tmp_path_factory.mktemp("two-servers")
    first = Gunicorn(env, folder / "a.log")
    try:
        second = Gunicorn(env, folder / "b.log")
    except BaseException:
        first.stop()
        raise
    yield first, second
    first.stop()
    second.stop()


class Browser:
    """One reader's browser: a cookie jar for the site's host, whichever server answers."""

    def __init__(self):
        self.cookies = {}

    def request(self, server, path, *, data=None, referer=None):
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers.update(
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Origin": ORIGIN,
                    "Referer": ORIGIN + (referer or path),
                }
            )
        response = server.get(
            path, method="POST" if data is not None else "GET", body=body, headers=headers
        )
        for cookie in response.set_cookies:
            pair, _, attributes = cookie.partition(";")
            key, _, value = pair.partition("=")
            if value in {"", '""'} or "max-age=0" in attributes.lower():
                self.cookies.pop(key.strip(), None)
            else:
                self.cookies[key.strip()] = value.strip()
        return response

    def get(self, server, path):
        return self.request(server, path)

    def submit(self, server, path, fields, *, form_id=None):
        """GET the page with the form, then POST it with its CSRF token and `fields`."""
        page = self.get(server, path)
        assert page.status == 200, page.body[:300]
        data = read_form(page.body, form_id) if form_id else {}
        data.update(fields)
        data["csrfmiddlewaretoken"] = csrf_token(page.body)
        return self.request(server, path, data=data)

    def sign_in(self, server, email, password):
        return self.submit(server, "/accounts/login/", {"login": email, "password": password})


def csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def location(response) -> str:
    return urlsplit(response.headers["location"]).path


class _FormReader(HTMLParser):
    """The values a browser would send for one form, as it stands (no button pressed)."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields = {}
        self._textarea = None
        self._select = None

    def _add(self, name, value):
        if name and "__prefix__" not in name:
            self.fields.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input":
            self._input(attrs)
        elif tag == "textarea":
            self._textarea = [attrs.get("name"), ""]
        elif tag == "select":
            self._select = [attrs.get("name"), None, None]  # name, first option, selected
        elif tag == "option" and self._select is not None:
            self._option(attrs)

    def _input(self, attrs):
        kind = attrs.get("type", "text").lower()
        if kind in {"submit", "button", "image", "reset", "file"}:
            return
        if kind in {"checkbox", "radio"} and "checked" not in attrs:
            return
        self._add(attrs.get("name"), attrs.get("value", "on" if kind == "checkbox" else ""))

    def _option(self, attrs):
        value = attrs.get("value", "")
        if self._select[1] is None:
            self._select[1] = value
        if "selected" in attrs:
            self._select[2] = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            # The HTML parser keeps the line break browsers drop after <textarea>.
            self._add(name, text[1:] if text.startswith("\n") else text)
            self._textarea = None
        elif tag == "select" and self._select is not None:
            name, first, chosen = self._select
            self._add(name, chosen if chosen is not None else (first or ""))
            self._select = None


def read_form(html: str, form_id: str) -> dict:
    reader = _FormReader(form_id)
    reader.feed(html)
    assert reader.fields, f"no form #{form_id} on the page"
    return {
        name: values if len(values) > 1 else values[0] for name, values in reader.fields.items()
    }


def signed_in_as(response) -> bool:
    """The account page answers only a signed-in reader; others are sent to sign in."""
    return response.status == 200 and "reader@example.org" in response.body


def test_a_sign_in_on_one_server_holds_on_the_other(servers):
    first, second = servers
    browser = Browser()
    assert browser.get(second, "/accounts/email/").status == 302  # anonymous

    response = browser.sign_in(first, "reader@example.org", PASSWORD)
    assert response.status == 302, response.body[:500]
    assert {"__Host-sessionid", "__Host-csrftoken"} <= set(browser.cookies)

    # The same cookie, the other server: signed in, without signing in again.
    assert signed_in_as(browser.get(second, "/accounts/email/"))
    assert signed_in_as(browser.get(first, "/accounts/email/"))

    # Signing out on B ends the session everywhere, A's cache included.
    cookie = browser.cookies["__Host-sessionid"]
    page = browser.get(second, "/accounts/logout/")
    out = browser.request(
        second, "/accounts/logout/", data={"csrfmiddlewaretoken": csrf_token(page.body)}
    )
    assert out.status == 302
    stale = Browser()
    stale.cookies = {"__Host-sessionid": cookie}
    response = stale.get(first, "/accounts/email/")
    assert response.status == 302 and location(response) == "/accounts/login/"


def test_failed_sign_ins_count_across_servers(servers):
    first, second = servers
    limit = settings.ACCOUNT_RATE_LIMITS["login_failed"]
    per_key = int(re.search(r"(\d+)/[^,]*/key", limit).group(1))
    assert per_key >= 2
    on_first = per_key // 2 + 1
    on_second = per_key - on_first

    browser = Browser()
    for server, count in ((first, on_first), (second, on_second)):
        for _ in range(count):
            response = browser.sign_in(server, "target@example.org", "not-the-password")
            assert response.status == 200
            assert "Too many failed" not in response.body

    # Neither server alone has seen `per_key` failures; together they have. Even the
    # right password is refused now, on either server.
    for server in (first, second):
        response = browser.sign_in(server, "target@example.org", PASSWORD)
        assert response.status == 200, response.headers
        assert "Too many failed login attempts" in response.body
    assert "__Host-sessionid" not in browser.cookies


def test_an_edit_through_one_server_shows_at_once_on_the_other(servers, shared):
    first, second = servers
    _, seeded = shared
    page = "/briefings/grid-rationing/"
    anonymous, reader, editor = Browser(), Browser(), Browser()
    assert reader.sign_in(second, "reader@example.org", PASSWORD).status == 302

    # Both servers have served (and cached) the page and the lists as they were. The
    # anonymous copies are shared: made on A, handed out by B.
    for server in (first, second):
        for browser in (anonymous, reader):
            for path in (page, "/briefings/", "/"):
                response = browser.get(server, path)
                assert response.status == 200, (path, response.status)
                if browser is anonymous and server is second:
                    assert response.headers.get(PAGE_HEADER.lower()) == "hit", path
            assert "Queues of two years." in browser.get(server, page).body

    # The editor signs in on A with password and authenticator code, and edits in admin.
    response = editor.sign_in(first, "editor@example.org", PASSWORD)
    assert response.status == 302 and location(response) == "/accounts/2fa/authenticate/"
    response = editor.submit(
        first, "/accounts/2fa/authenticate/", {"code": totp_code(seeded["totp_secret"])}
    )
    assert response.status == 302, response.body[:500]
    change = f"/admin/briefings/briefing/{seeded['briefing']}/change/"
    form = editor.get(first, change)
    assert form.status == 200, form.body[:500]
    data = read_form(form.body, "briefing_form")
    assert data["sections-0-body"] == "Queues of two years."
    data.update(
        {
            "title": "Grid operators ration connections until 2028",
            "sections-0-body": "Queues of three years, the regulator says.",
            "csrfmiddlewaretoken": csrf_token(form.body),
            # A live briefing's edits wait as pending changes until an editor publishes
            # them: this is the step onto the site.
            "_publish_changes": "Save and publish changes",
        }
    )
    saved = editor.request(first, change, data=data)
    assert saved.status == 302, _errors(saved.body)

    # The very next request on B, by anyone, shows the edit.
    for browser in (anonymous, reader):
        response = browser.get(second, page)
        assert response.status == 200
        assert "Grid operators ration connections until 2028" in response.body
        assert "Queues of three years, the regulator says." in response.body
        assert "Queues of two years." not in response.body
        for path in ("/briefings/", "/"):
            assert "Grid operators ration connections until 2028" in browser.get(second, path).body


def _errors(html: str) -> str:
    found = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', html, re.S)
    return " | ".join(found)[:2000] or html[:500]
