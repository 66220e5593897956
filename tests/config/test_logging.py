"""
One structured line a request, a request id on every record, and nothing private in logs.
"""

import json
import re

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path

from config.logging import redact_path
from tests.config.test_settings import PRODUCTION, run_manage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_every_request_writes_one_json_line(client, log_output):
    response = client.get("/membership/")
    [line] = log_output.requests()
    assert line["method"] == "GET"
    assert line["path"] == "/membership/"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["user"] == "anonymous"
    assert line["request_id"] == response["X-Request-ID"]
    assert line["level"] == "INFO"
    assert line["message"].startswith("GET /membership/ 200 ")


def test_the_line_names_the_signed_in_user_by_id_only(client, log_output):
    user = UserFactory(email="someone.private@example.org")
    client.force_login(user)
    client.get("/membership/")
    [line] = log_output.requests()
    assert line["user"] == user.pk
    assert "someone.private" not in log_output.getvalue()


def test_a_missing_page_is_logged_too(client, log_output):
    client.get("/no-such-page/")
    [line] = log_output.requests()
    assert line["status"] == 404


def test_query_strings_are_never_logged(client, log_output):
    client.get("/accounts/login/code/confirm/?code=ZX81-SECRET&next=/briefings/x/")
    client.get("/no-such-page/?invitation=tok_SECRET_123")
    output = log_output.getvalue()
    assert "SECRET" not in output
    assert "?" not in "".join(line["path"] for line in log_output.requests())


def test_email_addresses_in_paths_are_not_logged(client, log_output):
    client.get("/members/someone.private@example.org/")
    output = log_output.getvalue()
    assert "someone.private" not in output
    [line] = log_output.requests()
    assert line["path"] == "/members/[redacted]/"
    # Django's own "Not Found: /path" warning is cleaned the same way.
    assert any(r["message"] == "Not Found: /members/[redacted]/" for r in log_output.records())


def secret_link(request, uidb36, key):
    return HttpResponse("followed")


urlpatterns = [
    path("reset/<str:uidb36>-<str:key>/", secret_link),
    path("", include("config.urls")),
]


def test_secret_url_arguments_are_not_logged(client, settings, log_output):
    # Reset links (allauth's, when reset is by link) carry a user id and a key in the path.
    settings.ROOT_URLCONF = __name__
    assert client.get("/reset/3f-k3y/").status_code == 200
    [line] = log_output.requests()
    assert line["path"] == "/reset/[redacted]-[redacted]/"


def test_token_like_segments_of_unknown_paths_are_not_logged(client, log_output):
    client.get("/accounts/password/reset/key/3f-abcdef0123456789SECRETKEY/")
    client.get("/invitations/Zk9x_2mQ7TtL0pWq8vN3/accept/")
    output = log_output.getvalue()
    assert "SECRETKEY" not in output and "Zk9x" not in output
    paths = [line["path"] for line in log_output.requests()]
    assert paths == [
        "/accounts/password/reset/key/3f-[redacted]/",
        "/invitations/[redacted]/accept/",
    ]
    not_found = [r for r in log_output.records() if r["logger"] == "django.request"]
    assert [r["message"] for r in not_found] == [f"Not Found: {p}" for p in paths]
    # Django logs these after the middleware has finished; the id comes from the request.
    assert all(r["request_id"] != "-" for r in not_found)


def test_slugs_are_logged_as_they_are(client, log_output):
    client.get("/briefings/hkstp-and-sensetime-partner-on-hong-kong-ai-data-centre-2030/")
    [line] = log_output.requests()
    assert (
        line["path"] == "/briefings/hkstp-and-sensetime-partner-on-hong-kong-ai-data-centre-2030/"
    )


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        # A urlsafe token has hyphens: the token-like rule alone would log its pieces.
        ("/feeds/private/ab-cd-ef_gh-ij/rss/", "/feeds/private/[token]/rss/"),
        ("/email/preferences/Zk-9x-2m/", "/email/preferences/[token]/"),
        ("/feeds/private/ab-cd", "/feeds/private/[token]"),
        ("/feeds/latest.rss", "/feeds/latest.rss"),
    ],
)
def test_the_segment_after_a_token_prefix_is_never_logged(path, logged):
    assert redact_path(path) == logged


def test_a_path_django_escapes_in_its_own_record_is_still_cleaned(client, log_output):
    client.get("/members/caf\u00e9-someone.private@example.org/")
    output = log_output.getvalue()
    assert "someone.private" not in output
    assert "Not Found: /members/[redacted]/" in output


@pytest.mark.parametrize(
    "given",
    ["0f6c1e0e-5b4f-4c55-9a6b-0a2b6f1b9e11", "nginx-4f2a9c", "Root=1-5f84c7a9-abcdef0123456789"],
)
def test_a_sane_request_id_from_the_proxy_is_kept(given):
    response = Client().get("/healthz", HTTP_X_REQUEST_ID=given)
    assert response["X-Request-ID"] == given


@pytest.mark.parametrize(
    "given",
    [
        "",
        "short",
        "has spaces in it",
        "x" * 200,
        "line\nbreak-injected",
        "<script>alert(1)</script>",
    ],
)
def test_any_other_request_id_is_replaced(given):
    response = Client().get("/healthz", HTTP_X_REQUEST_ID=given)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_each_request_gets_its_own_id():
    client = Client()
    assert client.get("/healthz")["X-Request-ID"] != client.get("/healthz")["X-Request-ID"]


def log_from_a_fresh_process(**env):
    code = "import logging; logging.getLogger('briefings').warning('hello %s', 'operator')"
    result = run_manage("shell", "--no-imports", "-c", code, env_overrides={**PRODUCTION, **env})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_logs_are_json_lines():
    line = log_from_a_fresh_process()
    record = json.loads(line)
    assert record["message"] == "hello operator"
    assert record["level"] == "WARNING"
    assert record["logger"] == "briefings"
    assert record["request_id"] == "-"


def test_development_logs_are_plain_text():
    line = log_from_a_fresh_process(DEBUG="true")
    assert re.search(r"WARNING briefings \[-\] hello operator$", line)


def test_a_malformed_log_format_is_a_clear_error():
    result = run_manage("check", env_overrides={**PRODUCTION, "LOG_FORMAT": "xml"})
    assert result.returncode != 0
    assert "LOG_FORMAT must be json or plain" in result.stderr
