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
