"""Browsers' CSP violation reports are logged as plain facts, and nothing else is accepted."""

import json

import pytest
from django.test import Client

from config.csp import MAX_REPORT_BYTES


@pytest.fixture
def browser():
    return Client(enforce_csrf_checks=True)


def post(browser, payload, content_type="application/csp-report"):
    body = payload if isinstance(payload, str | bytes) else json.dumps(payload)
    return browser.post("/csp-report", body, content_type=content_type)


def test_the_policy_names_the_report_endpoint(client):
    assert "report-uri /csp-report" in client.get("/healthz")["Content-Security-Policy"]


def test_a_report_is_logged_with_the_page_path_only(browser, log_output):
    response = post(
        browser,
        {
            "csp-report": {
                "document-uri": "https://briefings.example.com/briefings/x/?code=SECRET99",
                "violated-directive": "style-src-attr",
                "effective-directive": "style-src-attr",
                "blocked-uri": "inline",
                "original-policy": "default-src 'self'",
            }
        },
    )
    assert response.status_code == 204
    [report] = [r for r in log_output.records() if r["logger"] == "config.csp"]
    assert report["level"] == "WARNING"
    assert report["message"] == "CSP refused style-src-attr from inline on /briefings/x/"
    assert report["csp_directive"] == "style-src-attr"
    assert report["csp_blocked"] == "inline"
    assert report["csp_page"] == "/briefings/x/"
    assert "SECRET99" not in log_output.getvalue()


def test_a_reporting_api_report_is_logged_with_the_blocked_origin_only(browser, log_output):
    response = post(
        browser,
        [
            {
                "type": "csp-violation",
                "body": {
                    "documentURL": "https://briefings.example.com/membership/",
                    "effectiveDirective": "script-src-elem",
                    "blockedURL": "https://tracker.example.net/t.js?uid=someone@example.org",
                },
            }
        ],
        content_type="application/reports+json",
    )
    assert response.status_code == 204
    [report] = [r for r in log_output.records() if r["logger"] == "config.csp"]
    assert report["csp_blocked"] == "https://tracker.example.net"
    assert "someone@example.org" not in log_output.getvalue()


@pytest.mark.parametrize(
    "body",
    ["not json", "\xff\xfe", json.dumps({"csp-report": {"effective-directive": "x" * 300}})],
)
def test_anything_else_is_refused_or_ignored_quietly(browser, log_output, body):
    response = post(browser, body)
    assert response.status_code in (204, 400)
    assert not [r for r in log_output.records() if r["logger"] == "config.csp"]


def test_an_oversized_report_is_refused(browser):
    response = post(browser, "x" * (MAX_REPORT_BYTES + 1))
    assert response.status_code == 400


def test_reports_are_only_posted(browser):
    assert browser.get("/csp-report").status_code == 405


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,  # deeper than Python's parser goes
        json.dumps(
            {"csp-report": {"effective-directive": "img-src", "blocked-uri": "http://a:99999999/"}}
        ),
        json.dumps(
            {"csp-report": {"effective-directive": "img-src", "blocked-uri": "http://[::1/"}}
        ),
        json.dumps(
            {"csp-report": {"effective-directive": "img-src", "document-uri": "http://[::1/x"}}
        ),
        json.dumps({"csp-report": {"effective-directive": ["img-src"], "blocked-uri": {"a": 1}}}),
    ],
    ids=["deeply nested", "port out of range", "broken IPv6 host", "broken page", "wrong types"],
)
def test_no_report_body_makes_the_endpoint_fail(browser, body):
    response = post(browser, body[:MAX_REPORT_BYTES])
    assert response.status_code in (204, 400)


def test_an_unreadable_blocked_address_is_logged_as_unknown(browser, log_output):
    post(browser, {"csp-report": {"effective-directive": "img-src", "blocked-uri": "http://[::1/"}})
    [report] = [r for r in log_output.records() if r["logger"] == "config.csp"]
    assert report["csp_blocked"] == "unknown"


def test_one_post_writes_a_bounded_summary(browser, log_output):
    reports = [
        {
            "type": "csp-violation",
            "body": {
                "documentURL": f"https://briefings.example.com/page-{n}/",
                "effectiveDirective": "img-src",
                "blockedURL": "https://tracker.example.net/p.gif",
            },
        }
        for n in range(20)
    ]
    assert post(browser, reports, content_type="application/reports+json").status_code == 204
    lines = [r for r in log_output.records() if r["logger"] == "config.csp"]
    assert [r["csp_page"] for r in lines[:-1]] == ["/page-0/", "/page-1/", "/page-2/"]
    assert lines[-1]["message"] == "CSP: 17 more refusals in the same post"


def test_a_repeated_report_is_logged_once_per_post(browser, log_output):
    report = {
        "type": "csp-violation",
        "body": {"documentURL": "https://x.example/a/", "effectiveDirective": "img-src"},
    }
    post(browser, [report] * 20, content_type="application/reports+json")
    assert len([r for r in log_output.records() if r["logger"] == "config.csp"]) == 1


def test_each_address_may_post_a_few_reports_a_minute(browser, log_output):
    report = {"csp-report": {"effective-directive": "img-src", "blocked-uri": "inline"}}
    statuses = [post(browser, report).status_code for _ in range(40)]
    assert statuses[:30] == [204] * 30
    assert set(statuses[30:]) == {429}
    assert len([r for r in log_output.records() if r["logger"] == "config.csp"]) == 30
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert post(other, report).status_code == 204


def test_reports_are_dropped_not_logged_when_the_cache_is_away(browser, log_output, monkeypatch):
    def refused(*args, **kwargs):
        raise ConnectionError("cache refused")

    monkeypatch.setattr("config.csp.ratelimit.consume", refused)
    report = {"csp-report": {"effective-directive": "img-src", "blocked-uri": "inline"}}
    assert post(browser, report).status_code == 429
    assert not [r for r in log_output.records() if r["logger"] == "config.csp"]
