"""The briefings admin as a newsroom: permissions, workflow buttons and actions, checks."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from briefings import workflow
from briefings.models import Briefing, Section
from members.access import Audience
from tests.briefings.newsroom import add_url, change_url, form_data
from tests.factories import (
    CategoryFactory,
    SectionFactory,
    SourceFactory,
    StaffFactory,
    UserFactory,
    ready_briefing,
)

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.force_login(user)
    return client


def briefing_pages(briefing, record):
    """Every briefings admin page, with the groups that may open it."""
    both, editors = {"writers", "editors"}, {"editors"}
    pages = [
        (reverse("admin:briefings_briefing_changelist"), both),
        (add_url(), both),
        (change_url(briefing), both),
        (reverse("admin:briefings_briefing_history", args=[briefing.pk]), both),
        (
            reverse("admin:briefings_briefing_compare", args=[briefing.pk])
            + f"?from={record.history_id}&to={record.history_id}",
            both,
        ),
        (reverse("admin:briefings_briefing_restore", args=[briefing.pk, record.history_id]), both),
        (reverse("admin:briefings_briefing_delete", args=[briefing.pk]), editors),
        (reverse("admin:briefings_source_changelist"), both),
        (reverse("admin:briefings_source_add"), both),
        (
            reverse("admin:briefings_source_delete", args=[briefing.citations.first().source_id]),
            editors,
        ),
        (
            reverse("admin:autocomplete")
            + "?app_label=briefings&model_name=briefing&field_name=category&term=x",
            both,
        ),
    ]
    for audience in Audience:
        pages.append(
            (reverse("admin:briefings_briefing_preview", args=[briefing.pk, audience.slug]), both)
        )
    source = briefing.citations.first().source
    pages.append((reverse("admin:briefings_source_change", args=[source.pk]), both))
    for model in ("category", "region", "topic"):
        term = getattr(briefing, model)
        pages.append((reverse(f"admin:briefings_{model}_changelist"), both))
        pages.append((reverse(f"admin:briefings_{model}_change", args=[term.pk]), both))
        pages.append((reverse(f"admin:briefings_{model}_add"), editors))
    return pages


@pytest.mark.parametrize("group", ["editors", "writers", None])
def test_every_briefings_admin_page_answers_200_for_its_group_and_403_for_others(client, group):
    briefing = ready_briefing()
    record = briefing.history.first()
    signed_in(client, StaffFactory(group=group))
    for url, groups in briefing_pages(briefing, record):
        expected = 200 if group in groups else 403
        assert client.get(url).status_code == expected, url


def test_non_staff_are_sent_to_sign_in_for_admin_pages(client):
    briefing = ready_briefing()
    signed_in(client, UserFactory())
    response = client.get(change_url(briefing))
    assert response.status_code == 302


def test_the_list_shows_audience_mix_and_last_editor_in_a_fixed_number_of_queries(
    client, editor, django_assert_max_num_queries
):
    signed_in(client, editor)
    url = reverse("admin:briefings_briefing_changelist")
    briefing = ready_briefing(title="Mixed audiences")
    SectionFactory(briefing=briefing, audience=Audience.STRATEGIC_CIRCLE)
    SectionFactory(briefing=briefing, audience=Audience.LEADERSHIP_ALLIANCE)
    workflow.briefing_publish(briefing=briefing, by=editor)
    client.get(url)  # warm the session and content types
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    queries = len(few.captured_queries)  # the next request clears the query log
    content = response.content.decode()
    assert "1 Public · 1 Strategic Circle · 1 Leadership Alliance" in content
    assert editor.email in content

    for _ in range(8):
        b = ready_briefing()
        SectionFactory(briefing=b, audience=Audience.STRATEGIC_CIRCLE)
    with django_assert_max_num_queries(queries):
        client.get(url)


def test_writer_sees_no_publish_action_and_cannot_post_it(client, writer):
    briefing = ready_briefing()
    signed_in(client, writer)
    url = reverse("admin:briefings_briefing_changelist")
    response = client.get(url)
    actions = dict(response.context["action_form"].fields["action"].choices)
    assert "publish_selected" not in actions
    assert "submit_selected_for_review" in actions
    client.post(url, {"action": "publish_selected", "_selected_action": [briefing.pk]})
    briefing.refresh_from_db()
    assert briefing.status == Briefing.Status.DRAFT


def test_writer_cannot_publish_with_the_button(client, writer):
    briefing = ready_briefing()
    signed_in(client, writer)
    response = client.post(change_url(briefing), form_data(briefing, _publish="Save and publish"))
    assert response.status_code == 403
    briefing.refresh_from_db()
    assert briefing.status == Briefing.Status.DRAFT
    assert b"Save and publish" not in client.get(change_url(briefing)).content
    new = form_data(None, title="New", summary="New.", _publish="Save and publish")
    assert client.post(add_url(), new).status_code == 403
    assert Briefing.objects.count() == 1


def test_writer_cannot_publish_by_posting_a_status(client, writer):
    briefing = ready_briefing()
    signed_in(client, writer)
    future = timezone.now() - timedelta(minutes=5)
    data = form_data(
        briefing,
        status="published",
        published_at_0=future.strftime("%Y-%m-%d"),
        published_at_1=future.strftime("%H:%M:%S"),
    )
    response = client.post(change_url(briefing), data)
    assert response.status_code == 302
    briefing.refresh_from_db()
    assert briefing.status == Briefing.Status.DRAFT
    assert not Briefing.objects.published().filter(pk=briefing.pk).exists()


def test_writer_can_submit_for_review_and_only_prepare_changes_to_a_live_briefing(
    client, writer, editor
):
    briefing = ready_briefing()
    signed_in(client, writer)
    response = client.post(
        change_url(briefing), form_data(briefing, _submit_review="Save and submit for review")
    )
    assert response.status_code == 302
    briefing.refresh_from_db()
    assert briefing.status == Briefing.Status.REVIEW

    workflow.briefing_publish(briefing=briefing, by=editor)
    briefing.refresh_from_db()
    response = client.post(change_url(briefing), form_data(briefing, title="Sneaky edit"))
    assert response.status_code == 302
    briefing.refresh_from_db()
    assert briefing.title != "Sneaky edit"
    # The edit waits for an editor, and the form says so.
    response = client.get(change_url(briefing))
    assert "These changes are not live yet" in response.content.decode()
    publish_changes = form_data(briefing, _publish_changes="Publish")
    assert client.post(change_url(briefing), publish_changes).status_code == 403


def test_editor_publishes_with_the_button(client, editor):
    briefing = ready_briefing()
    signed_in(client, editor)
    response = client.post(change_url(briefing), form_data(briefing, _publish="Save and publish"))
    assert response.status_code == 302
    briefing.refresh_from_db()
    assert briefing.status == Briefing.Status.PUBLISHED
    assert client.get(briefing.get_absolute_url()).status_code == 200


def test_editor_schedules_with_a_future_publish_time(client, editor):
    briefing = ready_briefing()
    at = (timezone.now() + timedelta(days=1)).replace(microsecond=0, second=0)
    signed_in(client, editor)
    data = form_data(
        briefing,
        _publish="Save and publish",
        published_at_0=at.strftime("%Y-%m-%d"),
        published_at_1=at.strftime("%H:%M:%S"),
    )
    client.post(change_url(briefing), data)
    briefing.refresh_from_db()
    assert briefing.status == Briefing.Status.SCHEDULED
    assert briefing.published_at == at
    assert client.get(briefing.get_absolute_url()).status_code == 404


def test_publish_button_shows_every_problem_and_saves_nothing(client, editor):
    briefing = ready_briefing()
    signed_in(client, editor)
    data = form_data(
        briefing,
        summary="",
        confidence="",
        sections=[
            {
                "id": s.pk,
                "position": 1,
                "heading": s.heading,
                "audience": Audience.LEADERSHIP_ALLIANCE,
                "body": "Now gated.",
            }
            for s in briefing.sections.all()
        ],
        _publish="Save and publish",
    )
    response = client.post(change_url(briefing), data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Write a summary" in content
    assert "needs its confidence" in content
    assert "at least one public section" in content
    assert "Not saved: this would put it on the site, and it is not ready" in content
    # The typed input is still there.
    assert "Now gated." in content
    briefing.refresh_from_db()
    assert briefing.status == Briefing.Status.DRAFT
    assert briefing.summary
    assert briefing.sections.get().audience == Audience.PUBLIC


def test_a_live_briefing_cannot_lose_its_last_public_section(client, editor):
    briefing = ready_briefing()
    workflow.briefing_publish(briefing=briefing, by=editor)
    briefing.refresh_from_db()
    signed_in(client, editor)
    rows = [
        {
            "id": s.pk,
            "position": 1,
            "heading": s.heading,
            "audience": 0,
            "body": s.body,
            "DELETE": "on",
        }
        for s in briefing.sections.all()
    ]
    data = form_data(briefing, sections=rows, _publish_changes="Save and publish changes")
    response = client.post(change_url(briefing), data)
    assert response.status_code == 200
    assert "at least one public section" in response.content.decode()
    assert briefing.sections.count() == 1


def test_publish_action_reports_problems_per_briefing(client, editor):
    good = ready_briefing(title="Ready one")
    bad = ready_briefing(title="Missing category", category=None)
    signed_in(client, editor)
    response = client.post(
        reverse("admin:briefings_briefing_changelist"),
        {"action": "publish_selected", "_selected_action": [good.pk, bad.pk]},
        follow=True,
    )
    content = response.content.decode()
    assert "Ready one" in content
    assert "“Missing category” was not published or scheduled" in content
    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.status == Briefing.Status.PUBLISHED
    assert bad.status == Briefing.Status.DRAFT


@pytest.mark.parametrize(
    ("action", "status"),
    [("unpublish_selected", Briefing.Status.DRAFT), ("archive_selected", Briefing.Status.ARCHIVED)],
)
def test_unpublish_and_archive_actions(client, editor, action, status):
    briefing = ready_briefing(status=Briefing.Status.PUBLISHED, published_at=timezone.now())
    signed_in(client, editor)
    client.post(
        reverse("admin:briefings_briefing_changelist"),
        {"action": action, "_selected_action": [briefing.pk]},
    )
    briefing.refresh_from_db()
    assert briefing.status == status
    assert not Briefing.objects.published().filter(pk=briefing.pk).exists()


@pytest.mark.parametrize("button", ["_unpublish", "_archive"])
def test_unpublish_and_archive_buttons(client, editor, button):
    briefing = ready_briefing(status=Briefing.Status.PUBLISHED, published_at=timezone.now())
    signed_in(client, editor)
    client.post(change_url(briefing), form_data(briefing, **{button: "go"}))
    briefing.refresh_from_db()
    assert briefing.status != Briefing.Status.PUBLISHED


def test_adding_a_briefing_with_sections_and_sources(client, writer):
    category = CategoryFactory(name="Datacenter")
    source = SourceFactory()
    signed_in(client, writer)
    data = form_data(
        None,
        kind=Briefing.Kind.SIGNAL_BRIEF,
        title="HKSTP and SenseTime partner on Hong Kong AI data centre",
        summary="One public sentence.",
        category=category.pk,
        sections=[
            {"heading": "The fact", "audience": 0, "body": "Public.", "position": ""},
            {"heading": "Deeper", "audience": 1, "body": "Members.", "position": ""},
        ],
        citations=[{"source": source.pk, "note": "", "position": ""}],
    )
    response = client.post(add_url(), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    briefing = Briefing.objects.get()
    assert briefing.slug == "hkstp-and-sensetime-partner-on-hong-kong-ai-data-centre"
    assert briefing.status == Briefing.Status.DRAFT
    assert [s.position for s in briefing.sections.all()] == [1, 2]
    assert briefing.history.first().history_user == writer


def test_bad_input_keeps_everything_and_never_500s(client, editor):
    briefing = ready_briefing()
    signed_in(client, editor)
    data = form_data(briefing, confidence="150", title="My new headline", category="999999")
    response = client.post(change_url(briefing), data)
    assert response.status_code == 200
    assert "My new headline" in response.content.decode()
    response = client.get(
        reverse("admin:briefings_briefing_compare", args=[briefing.pk]) + "?from=x&to=",
        follow=True,
    )
    assert response.status_code == 200
    assert "Choose two versions" in response.content.decode()


# --- Edit conflict ---------------------------------------------------------------------


def test_a_save_based_on_an_older_version_is_refused_and_keeps_the_input(client, editor):
    briefing = ready_briefing(title="Original headline")
    alice, bob = editor, StaffFactory(group="editors", email="bob@example.org")
    alice_form = form_data(briefing)  # Alice opens the form at version 1.

    # Bob opens the same version, rewrites the summary and saves first.
    signed_in(client, bob)
    bob_form = form_data(briefing, summary="Bob's better summary.")
    assert client.post(change_url(briefing), bob_form).status_code == 302

    # Alice now saves her own change, based on the version she opened.
    signed_in(client, alice)
    alice_form.update(title="Alice's new headline", key_points="Her first point")
    response = client.post(change_url(briefing), alice_form)
    assert response.status_code == 200
    content = response.content.decode()
    assert "while you were editing" in content
    assert "bob@example.org" in content
    # What Bob changed is shown.
    assert "Bob&#x27;s better summary." in content or "Bob's better summary." in content
    # Everything Alice typed is still in the form.
    assert "Alice&#x27;s new headline" in content
    assert "Her first point" in content
    briefing.refresh_from_db()
    assert briefing.title == "Original headline"
    assert briefing.summary == "Bob's better summary."

    # Having seen Bob's change, Alice may choose to save hers over it.
    alice_form["overwrite_version"] = str(briefing.version)
    assert client.post(change_url(briefing), alice_form).status_code == 302
    briefing.refresh_from_db()
    assert briefing.title == "Alice's new headline"


def test_publishing_meanwhile_also_refuses_a_stale_form(client, editor):
    briefing = ready_briefing()
    stale = form_data(briefing)
    workflow.briefing_publish(briefing=briefing, by=StaffFactory(group="editors"))
    signed_in(client, editor)
    response = client.post(change_url(briefing), stale)
    assert response.status_code == 200
    assert "while you were editing" in response.content.decode()
    briefing.refresh_from_db()
    assert briefing.published_at is not None


def test_a_form_without_its_version_is_refused(client, editor):
    briefing = ready_briefing()
    signed_in(client, editor)
    data = form_data(briefing)
    del data["base_version"]
    response = client.post(change_url(briefing), data)
    assert response.status_code == 200
    assert "while you were editing" in response.content.decode()


def test_a_plain_save_raises_the_version(client, editor):
    briefing = ready_briefing()
    signed_in(client, editor)
    client.post(change_url(briefing), form_data(briefing, title="Edited"))
    briefing.refresh_from_db()
    assert briefing.version == 2
    assert Section.objects.filter(briefing=briefing).count() == 1


def test_moving_the_publish_time_of_a_live_briefing(client, editor):
    briefing = ready_briefing()
    workflow.briefing_publish(briefing=briefing, by=editor)
    briefing.refresh_from_db()
    signed_in(client, editor)

    publish_changes = {"_publish_changes": "Save and publish changes"}
    response = client.post(
        change_url(briefing),
        form_data(briefing, published_at_0="", published_at_1="", **publish_changes),
    )
    assert response.status_code == 200
    assert "needs its publish time" in response.content.decode()

    later = timezone.now() + timedelta(days=2)
    data = form_data(
        briefing,
        published_at_0=later.strftime("%Y-%m-%d"),
        published_at_1=later.strftime("%H:%M:%S"),
        **publish_changes,
    )
    assert client.post(change_url(briefing), data).status_code == 302
    briefing.refresh_from_db()
    assert briefing.status == Briefing.Status.SCHEDULED
    assert not Briefing.objects.published().filter(pk=briefing.pk).exists()


def test_taxonomy_and_sources_autocomplete_by_name(client, writer):
    CategoryFactory(name="Datacenter")
    CategoryFactory(name="Semiconductors")
    SourceFactory(title="HKSTP press release", publisher="HKSTP")
    signed_in(client, writer)
    url = reverse("admin:autocomplete")
    found = client.get(
        url,
        {
            "app_label": "briefings",
            "model_name": "briefing",
            "field_name": "category",
            "term": "data",
        },
    ).json()
    assert [r["text"] for r in found["results"]] == ["Datacenter"]
    found = client.get(
        url,
        {
            "app_label": "briefings",
            "model_name": "citation",
            "field_name": "source",
            "term": "hkstp",
        },
    ).json()
    assert [r["text"] for r in found["results"]] == ["HKSTP press release (HKSTP)"]


def test_a_section_deleted_meanwhile_comes_back_with_what_was_typed_in_it(client, editor):
    briefing = ready_briefing()
    [fact] = briefing.sections.all()
    alice_form = form_data(briefing)
    alice_form["sections-0-body"] = "Alice's rewrite of the fact."

    bob = StaffFactory(group="editors", email="bob@example.org")
    signed_in(client, bob)
    bob_rows = [
        {
            "id": fact.pk,
            "position": 1,
            "heading": fact.heading,
            "audience": 0,
            "body": "x",
            "DELETE": "on",
        },
        {"position": 2, "heading": "Bob's section", "audience": 0, "body": "Bob's text."},
    ]
    assert (
        client.post(change_url(briefing), form_data(briefing, sections=bob_rows)).status_code == 302
    )

    signed_in(client, editor)
    response = client.post(change_url(briefing), alice_form)
    content = response.content.decode()
    assert "while you were editing" in content
    assert "Alice&#x27;s rewrite of the fact." in content
    assert "Select a valid choice" not in content

    briefing.refresh_from_db()
    alice_form["overwrite_version"] = str(briefing.version)
    assert client.post(change_url(briefing), alice_form).status_code == 302
    bodies = sorted(briefing.sections.values_list("body", flat=True))
    assert bodies == ["Alice's rewrite of the fact.", "Bob's text."]


def test_the_change_form_fetches_a_fixed_number_of_queries_whatever_the_size(client, editor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import CitationFactory

    signed_in(client, editor)
    briefing = ready_briefing()
    client.get(change_url(briefing))
    with CaptureQueriesContext(connection) as small:
        client.get(change_url(briefing))
    queries = len(small.captured_queries)  # the next request clears the query log
    for _ in range(6):
        SectionFactory(briefing=briefing)
        CitationFactory(briefing=briefing)
    with CaptureQueriesContext(connection) as large:
        response = client.get(change_url(briefing))
    assert len(large.captured_queries) == queries
    # Each citation still names its source in its autocomplete box.
    for citation in briefing.citations.select_related("source"):
        assert f'<option value="{citation.source_id}" selected>{citation.source}' in (
            response.content.decode()
        )
