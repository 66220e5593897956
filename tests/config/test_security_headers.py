"""
Responses served with the production settings carry every security header.

The suite itself runs with plain-HTTP cookies and no HTTPS redirect (tests/environment.py),
so the production values are read from config/settings.py in a separate process started
with production variables, then applied here: what is tested is what production computes.
"""

import json
import re

import pytest

from tests.config.test_settings import PRODUCTION, run_manage

SECURITY_SETTINGS = [
    "SECURE_SSL_REDIRECT",
    "SECURE_REDIRECT_EXEMPT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "SECURE_CSP",
    "X_FRAME_OPTIONS",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_NAME",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_NAME",
    "CSRF_TRUSTED_ORIGINS",
    "PERMISSIONS_POLICY",
    "CROSS_ORIGIN_RESOURCE_POLICY",
]


def production_settings(**env):
    code = (
        "import json; from django.conf import settings;"
        f"names = {SECURITY_SETTINGS!r};"
        "print(json.dumps({name: getattr(settings, name, None) for name in names}))"
    )
    result = run_manage("shell", "--no-imports", "-c", code, env_overrides={**PRODUCTION, **env})
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


@pytest.fixture(scope="module")
def production_values():
    return production_settings(CSRF_TRUSTED_ORIGINS="https://briefings.example.com")


@pytest.fixture
def production(settings, production_values):
    for name, value in production_values.items():
        setattr(settings, name, value)
    settings.ALLOWED_HOSTS = ["briefings.example.com"]
    return production_values


HTTPS = {"HTTP_HOST": "briefings.example.com", "HTTP_X_FORWARDED_PROTO": "https"}


def test_production_settings_are_strict(production_values):
    assert production_values["SECURE_SSL_REDIRECT"] is True
    assert production_values["SECURE_HSTS_SECONDS"] >= 31536000
    assert production_values["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert production_values["CSRF_COOKIE_NAME"].startswith("__Host-")
    assert production_values["CSRF_TRUSTED_ORIGINS"] == ["https://briefings.example.com"]


def test_csrf_trusted_origins_come_from_the_environment():
    values = production_settings(
        CSRF_TRUSTED_ORIGINS="https://a.example.com, https://b.example.com"
    )
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://a.example.com", "https://b.example.com"]


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https(client, production):
    response = client.get("/membership/?x=1", HTTP_HOST="briefings.example.com")
    assert response.status_code == 301
    assert response["Location"] == "https://briefings.example.com/membership/?x=1"


@pytest.mark.django_db
def test_health_checks_answer_over_plain_http_for_the_load_balancer(client, production):
    response = client.get("/healthz", HTTP_HOST="briefings.example.com")
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_production_page_carries_every_security_header(client, production):
    response = client.get("/membership/", **HTTPS)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"):
        assert f"{feature}=()" in permissions
    assert response["X-Request-ID"]


@pytest.mark.django_db
def test_the_content_security_policy_is_strict(client, production):
    response = client.get("/accounts/login/", **HTTPS)
    policy = dict(
        directive.partition(" ")[::2]
        for directive in response["Content-Security-Policy"].split("; ")
    )
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["form-action"] == "'self'"
    # Django adds the nonce only when the page used one (a nonced inline script or style).
    assert re.fullmatch(r"'self'( 'nonce-[A-Za-z0-9_-]+')?", policy["script-src"])
    assert re.fullmatch(r"'self'( 'nonce-[A-Za-z0-9_-]+')?", policy["style-src"])
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_cookies_are_secure_http_only_and_host_prefixed(client, production):
    response = client.get("/accounts/login/", **HTTPS)
    assert response.status_code == 200
    csrf = response.cookies["__Host-csrftoken"]
    assert csrf["secure"] is True
    assert csrf["httponly"] is True
    assert csrf["path"] == "/"
    assert not csrf["domain"]
    assert csrf["samesite"] == "Lax"


@pytest.mark.django_db
def test_the_session_cookie_is_secure_http_only_and_host_prefixed(client, production):
    from tests.factories import PASSWORD, UserFactory

    user = UserFactory()
    response = client.post(
        "/accounts/login/",
        {"login": user.email, "password": PASSWORD},
        **HTTPS,
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    session = response.cookies["__Host-sessionid"]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["path"] == "/"
    assert not session["domain"]
    assert session["samesite"] == "Lax"


@pytest.mark.django_db
def test_no_other_site_may_load_our_pages_or_files(client, production):
    for path in ("/membership/", "/feeds/latest.rss", "/static/img/favicon.svg", "/healthz"):
        response = client.get(path, **HTTPS)
        assert response["Cross-Origin-Resource-Policy"] == "same-origin", path
