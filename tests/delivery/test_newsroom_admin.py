"""The newsroom's delivery pages: send report, retry, e-mail previews, the ledger in admin."""

import pytest
from django.urls import reverse

from delivery.models import BriefingSend, Delivery, Suppression
from members.access import Audience
from tests.delivery.conftest import member
from tests.factories import StaffFactory, gated_briefing

pytestmark = pytest.mark.django_db

PUBLIC, CIRCLE, ALLIANCE, NOTE = "PUBLIC-MARK", "CIRCLE-MARK", "ALLIANCE-MARK", "NOTE-MARK"
MARKERS = {PUBLIC, CIRCLE, ALLIANCE, NOTE}
# What each e-mail preview may hold.
READABLE = {
    "public": {PUBLIC},
    "lapsed": {PUBLIC},
    Audience.STRATEGIC_CIRCLE.slug: {PUBLIC, CIRCLE},
    Audience.LEADERSHIP_ALLIANCE.slug: MARKERS,
}


@pytest.fixture
def briefing():
    return gated_briefing(public=PUBLIC, circle=CIRCLE, alliance=ALLIANCE, note=NOTE)


def report_url(briefing):
    return reverse("admin:briefings_briefing_send_report", args=[briefing.pk])


def preview_urls(briefing, slug):
    return (
        reverse("admin:briefings_briefing_email_preview", args=[briefing.pk, slug]),
        reverse("admin:briefings_briefing_email_preview_html", args=[briefing.pk, slug]),
    )


def ledger_rows(briefing, statuses):
    rows = []
    for status in statuses:
        rows.append(
            Delivery.objects.create(
                user=member(),
                key=f"briefing:{briefing.pk}",
                kind=Delivery.Kind.BRIEFING,
                briefing=briefing,
                reason="followers",
                status=status,
                last_error="550 mailbox unavailable" if status == "failed" else "",
            )
        )
    return rows


# --- Send report ------------------------------------------------------------------------


def test_the_report_counts_each_status_and_lists_the_failed(client, editor, briefing):
    BriefingSend.objects.create(briefing=briefing, recipients="followers")
    ledger_rows(briefing, ["sent", "sent", "sent", "failed", "suppressed", "queued"])
    client.force_login(editor)
    response = client.get(report_url(briefing))
    assert response.status_code == 200
    counts = {value: n for value, _, n in response.context["counts"]}
    assert counts == {
        "queued": 1,
        "sending": 0,
        "sent": 3,
        "failed": 1,
        "suppressed": 1,
        "skipped": 0,
    }
    assert "550 mailbox unavailable" in response.content.decode()
    assert "Retry failed" in response.content.decode()


def test_retry_queues_the_failed_again(client, editor, briefing, tasks_held):
    sent, failed = ledger_rows(briefing, ["sent", "failed"])
    client.force_login(editor)
    response = client.post(report_url(briefing), {"_retry": "Retry failed"})
    assert response.status_code == 302
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.last_error) == ("queued", "")
    assert sent.status == "sent"


def test_a_writer_may_read_the_report_but_not_retry(client, writer, briefing):
    [failed] = ledger_rows(briefing, ["failed"])
    client.force_login(writer)
    page = client.get(report_url(briefing))
    assert page.status_code == 200
    assert "Retry failed" not in page.content.decode()
    assert client.post(report_url(briefing), {"_retry": "1"}).status_code == 403
    failed.refresh_from_db()
    assert failed.status == "failed"


def test_a_reader_cannot_open_the_report(client, briefing):
    client.force_login(member())
    response = client.get(report_url(briefing))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


# --- E-mail previews --------------------------------------------------------------------


@pytest.mark.parametrize("slug", list(READABLE))
def test_each_preview_holds_exactly_its_audiences_parts(client, editor, briefing, slug):
    client.force_login(editor)
    page_url, html_url = preview_urls(briefing, slug)
    page = client.get(page_url)
    assert page.status_code == 200
    html = client.get(html_url)
    assert html.status_code == 200
    for content in (page.content.decode(), html.content.decode()):
        for marker in READABLE[slug]:
            assert marker in content
        for marker in MARKERS - READABLE[slug]:
            assert marker not in content


def test_the_framed_email_is_sandboxed_and_only_framed_by_the_site(client, editor, briefing):
    client.force_login(editor)
    page_url, html_url = preview_urls(briefing, "public")
    page = client.get(page_url).content.decode()
    assert f'src="{html_url}" sandbox' in page
    html = client.get(html_url)
    policy = html["Content-Security-Policy"]
    assert "sandbox" in policy and "frame-ancestors 'self'" in policy
    assert "script-src" not in policy and "default-src 'none'" in policy
    assert html["X-Frame-Options"] == "SAMEORIGIN"
    assert "no-store" in html["Cache-Control"]


def test_a_draft_can_be_previewed(client, editor, briefing):
    briefing.status = briefing.Status.DRAFT
    briefing.save()
    client.force_login(editor)
    assert client.get(preview_urls(briefing, "public")[1]).status_code == 200


def test_staff_without_the_preview_permission_get_403(client, briefing):
    client.force_login(StaffFactory())
    for url in preview_urls(briefing, Audience.LEADERSHIP_ALLIANCE.slug):
        assert client.get(url).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, briefing):
    for url in preview_urls(briefing, Audience.LEADERSHIP_ALLIANCE.slug):
        response = client.get(url)
        assert response.status_code == 302
        assert ALLIANCE not in response.content.decode()


def test_an_unknown_audience_is_404(client, editor, briefing):
    client.force_login(editor)
    assert client.get(preview_urls(briefing, "everyone")[0]).status_code == 404


def test_the_change_form_links_the_email_preview(client, editor, briefing):
    client.force_login(editor)
    page = client.get(reverse("admin:briefings_briefing_change", args=[briefing.pk]))
    assert preview_urls(briefing, "public")[0] in page.content.decode()


# --- The ledger, suppressions and choices in admin --------------------------------------


@pytest.fixture
def admin_client(client):
    """A superuser with an authenticator, as admin requires of staff."""
    client.force_login(StaffFactory(is_superuser=True))
    return client


def test_the_ledger_is_read_only(admin_client, briefing):
    [row] = ledger_rows(briefing, ["failed"])
    changelist = reverse("admin:delivery_delivery_changelist")
    assert admin_client.get(changelist + "?status__exact=failed").status_code == 200
    assert admin_client.get(reverse("admin:delivery_delivery_add")).status_code == 403
    page = admin_client.get(reverse("admin:delivery_delivery_change", args=[row.pk]))
    assert 'name="status"' not in page.content.decode()


def test_an_address_is_suppressed_and_lifted_in_admin(admin_client):
    response = admin_client.post(
        reverse("admin:delivery_suppression_add"),
        {"address": "Someone@Example.org", "reason": "complained", "detail": "By phone"},
    )
    assert response.status_code == 302
    suppression = Suppression.objects.get()
    assert suppression.address == "someone@example.org"
    admin_client.post(
        reverse("admin:delivery_suppression_delete", args=[suppression.pk]), {"post": "yes"}
    )
    assert not Suppression.objects.exists()


def test_the_choices_are_listed(admin_client, briefing):
    BriefingSend.objects.create(briefing=briefing, recipients="followers")
    response = admin_client.get(reverse("admin:delivery_briefingsend_changelist"))
    assert briefing.title in response.content.decode()


def test_editors_read_the_ledger_but_cannot_lift_a_suppression(client, editor, briefing):
    ledger_rows(briefing, ["sent"])
    suppression = Suppression.objects.create(address="gone@example.org", reason="unsubscribed")
    client.force_login(editor)
    assert client.get(reverse("admin:delivery_delivery_changelist")).status_code == 200
    assert client.get(reverse("admin:delivery_suppression_changelist")).status_code == 200
    delete = reverse("admin:delivery_suppression_delete", args=[suppression.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Suppression.objects.filter(pk=suppression.pk).exists()
    assert "Every e-mail of this briefing" in client.get(report_url(briefing)).content.decode()
