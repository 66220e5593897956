"""
Review that talks: sending a briefing back needs a reason, the writer sees it, editors
are told what waits for them, writers what became of their work.
"""

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from briefings import workflow
from briefings.models import Briefing, ReviewNote
from briefings.newsroom import publishing
from briefings.pending.workflow import pending_change_save
from tests.briefings.newsroom import change_url, form_data
from tests.factories import StaffFactory, ready_briefing
from tests.smtp import SMTPServer

pytestmark = pytest.mark.django_db

REASON = "Cite the port authority's own figure, not the trade press."


def send_back_url(briefing) -> str:
    return reverse("admin:briefings_briefing_send_back", args=[briefing.pk])


def submitted(writer, **kwargs) -> Briefing:
    """A briefing its writer has submitted for review (e-mails from that left behind)."""
    briefing = ready_briefing(**kwargs)
    workflow.briefing_submit_for_review(briefing=briefing, by=writer)
    return briefing


@pytest.fixture
def in_review(writer):
    return submitted(writer, title="Harbour cranes go remote")


def recipients(outbox) -> list[str]:
    return sorted(address for message in outbox for address in message.to)


# --- Sending back -----------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   \r\n  "])
def test_sending_back_without_a_reason_is_refused_and_changes_nothing(
    client, editor, in_review, reason
):
    client.force_login(editor)
    response = client.post(send_back_url(in_review), {"reason": reason})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == [workflow.RETURN_REASON_REQUIRED]
    assert workflow.RETURN_REASON_REQUIRED in response.content.decode()
    in_review.refresh_from_db()
    assert in_review.status == Briefing.Status.REVIEW
    assert not ReviewNote.objects.exists()


def test_the_workflow_itself_refuses_to_send_back_without_a_reason(editor, in_review):
    with pytest.raises(ValidationError):
        workflow.briefing_return_to_draft(briefing=in_review, by=editor)
    in_review.refresh_from_db()
    assert in_review.status == Briefing.Status.REVIEW


def test_the_change_form_button_saves_then_asks_why(client, editor, in_review):
    client.force_login(editor)
    page = client.get(change_url(in_review)).content.decode()
    assert "Save and send back to the writer…" in page
    data = form_data(in_review, title="Harbour cranes go remote, slowly")
    response = client.post(change_url(in_review), {**data, publishing.TO_DRAFT: "1"})
    assert response.status_code == 302
    assert response.url == send_back_url(in_review)
    in_review.refresh_from_db()
    assert in_review.title == "Harbour cranes go remote, slowly"  # the edit is saved
    assert in_review.status == Briefing.Status.REVIEW  # but it is not back yet


def test_the_writer_sees_the_reason_until_they_submit_again(client, editor, writer, in_review):
    client.force_login(editor)
    response = client.post(send_back_url(in_review), {"reason": REASON})
    assert response.status_code == 302
    in_review.refresh_from_db()
    assert in_review.status == Briefing.Status.DRAFT
    note = ReviewNote.objects.get()
    assert (note.briefing, note.by, note.reason) == (in_review, editor, REASON)

    client.force_login(writer)
    page = client.get(change_url(in_review)).content.decode()
    assert "Sent back to you" in page
    assert "Cite the port authority&#x27;s own figure" in page

    workflow.briefing_submit_for_review(briefing=in_review, by=writer)
    workflow.briefing_return_to_draft(briefing=in_review, by=editor, reason="Shorter title.")
    page = client.get(change_url(in_review)).content.decode()
    assert "Shorter title." in page
    assert "port authority" not in page  # answered by the resubmission

    workflow.briefing_submit_for_review(briefing=in_review, by=writer)
    page = client.get(change_url(in_review)).content.decode()
    assert "Sent back to you" not in page


def test_a_writer_takes_their_own_submission_back_without_a_reason(client, writer, in_review):
    client.force_login(writer)
    page = client.get(change_url(in_review)).content.decode()
    assert "Save and return to draft" in page
    response = client.post(
        change_url(in_review), {**form_data(in_review), publishing.TO_DRAFT: "1"}
    )
    assert response.url == change_url(in_review)
    in_review.refresh_from_db()
    assert in_review.status == Briefing.Status.DRAFT
    assert not ReviewNote.objects.exists()


# --- E-mails ----------------------------------------------------------------------------


def test_editors_but_not_the_submitter_hear_of_a_submission(
    writer, editor, django_capture_on_commit_callbacks
):
    other_editor = StaffFactory(group="editors")
    StaffFactory(group="editors", is_active=False)
    StaffFactory(group="writers")
    superuser = StaffFactory(is_superuser=True)
    briefing = ready_briefing(title="Harbour cranes go remote")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.briefing_submit_for_review(briefing=briefing, by=writer)
    assert recipients(mail.outbox) == sorted([editor.email, other_editor.email, superuser.email])
    message = mail.outbox[0]
    assert message.subject == f"[{settings.SITE_NAME}] For review: Harbour cranes go remote"
    assert change_url(briefing) in message.body

    mail.outbox.clear()
    own = ready_briefing()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.briefing_submit_for_review(briefing=own, by=editor)
    assert editor.email not in recipients(mail.outbox)
    assert other_editor.email in recipients(mail.outbox)


def test_the_writer_hears_why_it_came_back(
    client, writer, editor, in_review, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(send_back_url(in_review), {"reason": REASON})
    [message] = mail.outbox
    assert message.to == [writer.email]
    assert "Sent back to you: Harbour cranes go remote" in message.subject
    assert REASON in message.body
    html = message.alternatives[0][0]
    assert "port authority" in html


def test_a_refused_send_back_sends_nothing(
    client, editor, in_review, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(send_back_url(in_review), {"reason": ""})
    assert mail.outbox == []


def test_the_writer_hears_it_is_published_and_the_editor_does_not(
    writer, editor, in_review, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.briefing_publish(briefing=in_review, by=editor)
    [message] = mail.outbox
    assert message.to == [writer.email]
    assert message.subject == f"[{settings.SITE_NAME}] Published: Harbour cranes go remote"
    assert in_review.get_absolute_url() in message.body


def test_review_e_mails_reach_a_real_mail_server(
    settings, writer, editor, django_capture_on_commit_callbacks
):
    server = SMTPServer()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": server.port, "use_tls": False, "timeout": 5},
        }
    }
    try:
        with django_capture_on_commit_callbacks(execute=True):
            submitted(writer, title="Harbour cranes go remote")
    finally:
        server.stop()
    [(to, message)] = server.received
    assert to == [editor.email]
    assert "For review: Harbour cranes go remote" in message["Subject"]


# --- The awaiting list ------------------------------------------------------------------


def test_publishers_see_what_awaits_review_oldest_first(client, editor, writer):
    first = submitted(writer, title="Submitted first")
    second = submitted(writer, title="Submitted second")
    ready_briefing(title="Still a draft")
    published = submitted(writer, title="Already published")
    workflow.briefing_publish(briefing=published, by=editor)

    client.force_login(editor)
    response = client.get(reverse("admin:index"))
    page = response.content.decode()
    assert "Awaiting your review" in page
    assert page.index(first.title) < page.index(second.title)
    assert writer.email in page
    assert "Still a draft" not in page
    assert "Already published" not in page


def test_publishers_see_changes_to_live_briefings_submitted_for_review(client, editor, writer):
    live = submitted(writer, title="Live with changes")
    workflow.briefing_publish(briefing=live, by=editor)
    kept = submitted(writer, title="Live with unsubmitted changes")
    workflow.briefing_publish(briefing=kept, by=editor)
    pending_change_save(briefing=live, data={"title": "Changed"}, by=writer, submit=True)
    pending_change_save(briefing=kept, data={"title": "Changed"}, by=writer)

    client.force_login(editor)
    page = client.get(reverse("admin:index")).content.decode()
    assert "Live with changes" in page and "changes to a live briefing" in page
    assert "Live with unsubmitted changes" not in page


def test_writers_see_no_awaiting_list(client, writer):
    submitted(writer, title="Submitted first")
    client.force_login(writer)
    page = client.get(reverse("admin:index")).content.decode()
    assert "Awaiting your review" not in page
    assert "Submitted first" not in page


# --- An admin that looks like ours -------------------------------------------------------


def test_the_admin_header_shows_the_site_name(client, editor):
    client.force_login(editor)
    page = client.get(reverse("admin:index")).content.decode()
    assert f'<a href="/admin/">{settings.SITE_NAME}</a>' in page
    assert "Django administration" not in page
    assert "css/newsroom-admin.css" in page


def test_admin_search_finds_a_word_inside_a_section_once(client, editor):
    from tests.factories import SectionFactory

    found = ready_briefing(title="Harbour cranes")
    SectionFactory(briefing=found, body="The quayside runs on tamarisk software.")
    SectionFactory(briefing=found, heading="Tamarisk again", body="More.")
    ready_briefing(title="Another briefing")
    client.force_login(editor)
    response = client.get(reverse("admin:briefings_briefing_changelist"), {"q": "tamarisk"})
    assert [b.title for b in response.context["cl"].result_list] == ["Harbour cranes"]
    assert response.context["cl"].result_count == 1
    # The list's counts are the briefing's, not multiplied by the matching sections.
    assert response.context["cl"].result_list[0]._sections_0 == 3
