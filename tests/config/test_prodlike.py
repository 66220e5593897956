"""
A production-like instance (gunicorn, DEBUG off, PostgreSQL through psycopg's pool) on a
private PostgreSQL cluster that these tests stop and start:

- the database goes away: every page answers 503 with the friendly page and Retry-After,
  /readyz answers 503, /healthz still answers; it comes back: the same worker process
  serves pages again, no restart;
- responses carry the production security headers and cookies;
- the logs are JSON lines, one a request, with nothing private in them.
"""

import json
import re
import time
from urllib.parse import urlencode

import pytest

from tests.prodlike import (
    Gunicorn,
    PrivatePostgres,
    PrivateRedis,
    manage,
    postgres_bindir,
    production_environment,
)

BINDIR = postgres_bindir()
pytestmark = pytest.mark.skipif(
    BINDIR is None,
    reason="no PostgreSQL server binaries (initdb, pg_ctl) on this machine, or running as "
    "root without a postgres user; install the postgresql package to run the outage tests",
)


@pytest.fixture(scope="module")
def cluster():
    cluster = PrivatePostgres(BINDIR)
    try:
        cluster.init()
        manage(production_environment(cluster.url()), "migrate", "--noinput")
        yield cluster
    finally:
        cluster.destroy()


def start_site(cluster, tmp_path, **env):
    return Gunicorn(production_environment(cluster.url(), **env), tmp_path / "gunicorn.log")


@pytest.fixture(scope="module")
def site(cluster, tmp_path_factory):
    server = start_site(cluster, tmp_path_factory.mktemp("site"))
    yield server
    server.stop()


def records(server):
    return [json.loads(line) for line in server.log_lines()]


def sign_in(server):
    form = server.get("/accounts/login/")
    assert form.status == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.body).group(1)
    cookie = next(c for c in form.set_cookies if c.startswith("__Host-csrftoken="))
    return server.get(
        "/accounts/login/",
        method="POST",
        body=urlencode(
            {"csrfmiddlewaretoken": token, "login": "reader@example.org", "password": "x" * 20}
        ),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie.split(";", 1)[0],
            "Origin": "https://briefings.example.com",
            "Referer": "https://briefings.example.com/accounts/login/",
        },
    )


def wait_for(server, path, status, within):
    deadline = time.monotonic() + within
    while True:
        response = server.get(path)
        if response.status == status or time.monotonic() > deadline:
            return response
        time.sleep(0.5)


@pytest.mark.parametrize(
    "pool", [True, False], ids=["with the connection pool", "without the pool"]
)
def test_database_outage_answers_503_and_the_site_recovers_without_a_restart(
    cluster, tmp_path, pool
):
    server = start_site(cluster, tmp_path, DATABASE_POOL="true" if pool else "false")
    try:
        assert server.get("/").status == 200
        assert server.get("/readyz").status == 200
        workers = server.worker_pids()

        cluster.stop()
        try:
            # The home page an anonymous reader was just given is still answered from the
            # page cache (config.caching) while it lasts.
            cached = server.get("/")
            assert cached.status == 200 and cached.headers["x-page-cache"] == "hit"
            # Pages that read the database, and a sign-in attempt (a page that needs
            # nothing from the database, like the empty sign-in form, is still served).
            for response in (
                server.get("/briefings/"),
                server.get("/membership/"),
                sign_in(server),
            ):
                assert response.status == 503, response.body[:500]
                assert response.headers["retry-after"] == "30"
                assert response.headers["cache-control"] == "no-store"
                assert "We will be back shortly" in response.body
                assert "Traceback" not in response.body
                assert response.headers["x-request-id"] in response.body
                # The pool gives up after DATABASE_POOL_TIMEOUT (2 s here).
                assert response.seconds < 10
            readiness = server.get("/readyz")
            assert readiness.status == 503
            assert readiness.headers["retry-after"]
            assert server.get("/healthz").status == 200
        finally:
            cluster.start()

        recovered = wait_for(server, "/briefings/", 200, within=60)
        assert recovered.status == 200, recovered.body[:500]
        assert server.get("/membership/").status == 200
        assert server.get("/readyz").status == 200
        assert server.process.poll() is None
        assert server.worker_pids() == workers, "a worker was restarted"
    finally:
        server.stop()

    logged = records(server)
    outage_errors = [
        r for r in logged if r["logger"] == "django.request" and r["message"].startswith("Service")
    ]
    assert outage_errors, "the outage was not logged"
    request_lines = {r["request_id"]: r for r in logged if r["logger"] == "config.requests"}
    for error in outage_errors:
        assert request_lines[error["request_id"]]["status"] == 503


def test_a_redis_outage_is_not_an_outage(cluster, tmp_path):
    """Refused, then hung: readers get pages at once, sign-in fails closed, and it recovers."""
    private = PrivateRedis()
    server = start_site(cluster, tmp_path, REDIS_URL=private.url())
    try:
        assert server.get("/").headers["x-page-cache"] == "miss"
        assert server.get("/").headers["x-page-cache"] == "hit"

        private.stop()
        for path in ("/healthz", "/", "/briefings/", "/membership/", "/healthz"):
            response = server.get(path)
            assert response.status == 200, (path, response.body[:300])
            assert response.seconds < 1.5, (path, response.seconds)
        ready = server.get("/readyz")
        assert ready.status == 200
        assert json.loads(ready.body) == {
            "status": "degraded",
            "database": "ok",
            "cache": "unreachable",
        }
        # Sign-in attempts are counted in Redis: without it they are refused, not unlimited.
        assert sign_in(server).status == 503

        private.start()
        back = time.monotonic()
        recovered = wait_for(server, "/readyz", 200, within=10)
        assert json.loads(recovered.body)["cache"] == "ok"
        # Each process asks Redis again once a second while it is down.
        while server.get("/").headers.get("x-page-cache") != "hit":
            assert time.monotonic() - back < 5, "the page cache did not come back"
            time.sleep(0.2)
        print(f"pages cached again {time.monotonic() - back:.1f} s after Redis returned")

        private.freeze()  # a hung Redis: connections open, nothing answers
        try:
            for path in ("/healthz", "/", "/briefings/", "/membership/", "/", "/briefings/"):
                response = server.get(path)
                assert response.status == 200, (path, response.body[:300])
                assert response.seconds < 1.5, (path, response.seconds)
        finally:
            private.thaw()
    finally:
        server.stop()
        private.stop()
    warnings = [r for r in records(server) if r["logger"] == "config.cache"]
    assert any(r["message"].startswith("cache unavailable") for r in warnings)
    assert len(warnings) <= 8, "an outage is logged when it starts and ends, not per request"


# Long enough for psycopg_pool's default reconnect backoff (1, 2, 4, 8, 16 s) to have
# pushed its next attempt well past the database's return.
OUTAGE_SECONDS = 20


@pytest.mark.parametrize("traffic", [True, False], ids=["under traffic", "without traffic"])
def test_readers_get_pages_within_seconds_of_the_database_returning(cluster, tmp_path, traffic):
    server = start_site(cluster, tmp_path)
    try:
        # /readyz asks the database on every request (pages may come from the page cache).
        assert server.get("/readyz").status == 200
        cluster.stop()
        try:
            outage_ends = time.monotonic() + OUTAGE_SECONDS
            while time.monotonic() < outage_ends:
                if traffic:
                    assert server.get("/readyz").status == 503
                time.sleep(0.5)
        finally:
            cluster.start()  # returns once the database accepts connections
        back = time.monotonic()
        recovered = wait_for(server, "/readyz", 200, within=60)
        seconds = time.monotonic() - back
        assert recovered.status == 200
        assert server.get("/membership/").status == 200
        print(f"pages again {seconds:.1f} s after the database returned ({traffic=})")
        assert seconds < 5
    finally:
        server.stop()


def test_production_responses_carry_the_security_headers(site):
    response = site.get("/accounts/login/")
    assert response.status == 200
    headers = response.headers
    assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert "camera=()" in headers["permissions-policy"]
    policy = headers["content-security-policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in policy
    assert "unsafe-inline" not in policy
    [csrf] = [c for c in response.set_cookies if c.startswith("__Host-csrftoken=")]
    attributes = {part.strip().lower() for part in csrf.split(";")}
    assert {"secure", "httponly", "path=/", "samesite=lax"} <= attributes
    assert not any(a.startswith("domain=") for a in attributes)


def test_plain_http_is_redirected_to_https_except_health_checks(site):
    response = site.get("/membership/", https=False)
    assert response.status == 301
    assert response.headers["location"] == "https://briefings.example.com/membership/"
    assert site.get("/healthz", https=False).status == 200
    assert site.get("/readyz", https=False).status == 200


def test_an_unknown_host_is_refused(site):
    response = site.get("/", headers={"Host": "evil.example.net"})
    assert response.status == 400


def test_a_bad_host_is_one_short_warning_in_the_log(site):
    host = "evil-" + "a" * 2000 + ".example.net"
    assert site.get("/", headers={"Host": host}).status == 400
    [warning] = [
        r
        for r in records(site)
        if r["logger"] == "django.security.DisallowedHost" and "evil-aaaa" in r["message"]
    ]
    assert warning["level"] == "WARNING"
    assert "exception" not in warning
    assert len(warning["message"]) <= 200


def test_forwarded_proto_is_believed_only_behind_a_proxy(cluster, tmp_path):
    server = start_site(cluster, tmp_path, BEHIND_HTTPS_PROXY="false")
    try:
        # Sent by the client itself, with no proxy in front: still plain http.
        response = server.get("/membership/", headers={"X-Forwarded-Proto": "https"})
        assert response.status == 301
        assert response.headers["location"] == "https://briefings.example.com/membership/"
    finally:
        server.stop()


def test_logs_are_json_lines_without_query_strings(site):
    response = site.get(
        "/accounts/login/?next=/briefings/x/&code=ZX81SECRET",
        headers={"X-Request-ID": "lb-7f3a9c2e-0001"},
    )
    assert response.status == 200
    assert response.headers["x-request-id"] == "lb-7f3a9c2e-0001"
    site.get("/members/someone.private@example.org/")
    assert site.get("/healthz", method="HEAD").status == 200

    lines = site.log_lines()
    text = "\n".join(lines)
    assert "ZX81SECRET" not in text
    assert "someone.private" not in text
    assert "no-body response" not in text  # HEAD answered without a body
    # Every line, gunicorn's own included, is one JSON object.
    logged = [json.loads(line) for line in lines]
    [login] = [r for r in logged if r.get("request_id") == "lb-7f3a9c2e-0001"]
    assert login["logger"] == "config.requests"
    assert login["method"] == "GET"
    assert login["path"] == "/accounts/login/"
    assert login["status"] == 200
    assert login["user"] == "anonymous"
    assert login["duration_ms"] > 0


def test_image_renditions_are_served_by_the_site_itself_and_originals_never(cluster, tmp_path):
    media = tmp_path / "media"
    (media / "images" / "Q7rT2x").mkdir(parents=True)
    (media / "images" / "Q7rT2x" / "480.webp").write_bytes(b"RIFF\x00\x00\x00\x00WEBPVP8 ")
    (media / "image-originals").mkdir()
    (media / "image-originals" / "Q7rT2x.jpg").write_bytes(b"\xff\xd8\xff")
    server = start_site(cluster, tmp_path, MEDIA_ROOT=str(media))
    try:
        response = server.get("/media/images/Q7rT2x/480.webp")
        assert response.status == 200
        assert response.headers["content-type"] == "image/webp"
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert "content-security-policy" in response.headers
        assert response.headers["cross-origin-resource-policy"] == "cross-origin"
        assert response.body.startswith("RIFF")
        assert server.get("/media/image-originals/Q7rT2x.jpg").status == 404
        assert server.get("/media/images/Q7rT2x/../../image-originals/Q7rT2x.jpg").status == 404
    finally:
        server.stop()
