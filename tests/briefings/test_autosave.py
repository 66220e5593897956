"""
The change form's autosave (briefings/newsroom/autosave.py): a live briefing's form
becomes its pending change and readers see nothing of it; any other briefing's form
becomes the editor's own autosave, which the form opens with, or offers to restore;
the edit-conflict check, bad input and permissions answer in JSON and write nothing.
"""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from briefings import workflow
from briefings.autosave import Autosave
from briefings.models import Briefing, PendingChange
from briefings.search import briefings_reindex
from config.caching import content_generation
from members.access import Audience
from tests.briefings.newsroom import change_url, form_data
from tests.factories import StaffFactory, ready_briefing

pytestmark = pytest.mark.django_db

TYPED = "Typed but not saved: the cranes run remotely at night."


def autosave_url(briefing) -> str:
    return reverse("admin:briefings_briefing_autosave", args=[briefing.pk])


def typed_form(briefing, **overrides):
    [fact] = briefing.sections.all()
    return form_data(
        briefing,
        sections=[
            {"id": fact.pk, "position": 1, "heading": "The fact", "audience": 0, "body": TYPED},
            {
                "position": "",
                "heading": "Trend",
                "audience": Audience.STRATEGIC_CIRCLE.value,
                "body": "A new members' section typed before a save.",
            },
        ],
        **overrides,
    )


@pytest.fixture
def editor():
    return StaffFactory(group="editors")


@pytest.fixture
def writer():
    return StaffFactory(group="writers")


@pytest.fixture
def live(editor):
    briefing = ready_briefing(title="Harbour cranes go remote")
    workflow.briefing_publish(briefing=briefing, by=editor)
    briefings_reindex(briefing_ids=[briefing.pk])
    briefing.refresh_from_db()
    return briefing


@pytest.fixture
def draft():
    return ready_briefing(title="Substation orders")


def test_autosaving_a_live_briefing_keeps_its_pending_change_and_readers_see_nothing(
    client, editor, live
):
    client.logout()
    before_page = client.get(live.get_absolute_url()).content
    before_feed = client.get("/feeds/latest.rss").content
    before_search = client.get(reverse("briefings:search"), {"q": "remotely"}).content
    generation = content_generation()
    history = Briefing.history.filter(id=live.pk).count()

    client.force_login(editor)
    response = client.post(
        autosave_url(live), typed_form(live, title="Harbour cranes go fully remote")
    )

    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["saved"] is True and answer["kept_as"] == "pending change"
    assert answer["message"].startswith("Saved at ")
    change = PendingChange.objects.get(briefing=live)
    assert change.by == editor and not change.submitted_for_review
    assert change.data["fields"]["title"] == "Harbour cranes go fully remote"
    assert change.data["sections"][0]["body"] == TYPED
    # The live rows, history, caches, search and feeds are as they were.
    fresh = Briefing.objects.get(pk=live.pk)
    assert fresh.title == "Harbour cranes go remote"
    assert answer["version"] == fresh.version == live.version + 1
    assert list(fresh.sections.values_list("body", flat=True)) == ["Public text."]
    assert Briefing.history.filter(id=live.pk).count() == history
    assert content_generation() == generation
    client.logout()
    assert client.get(live.get_absolute_url()).content == before_page
    assert client.get("/feeds/latest.rss").content == before_feed
    assert client.get(reverse("briefings:search"), {"q": "remotely"}).content == before_search


def test_the_editors_own_save_after_an_autosave_is_not_a_conflict(client, editor, live):
    client.force_login(editor)
    answer = client.post(autosave_url(live), typed_form(live)).json()
    # The page puts the returned version in its hidden field (js/autosave.js).
    response = client.post(
        change_url(live), typed_form(live, base_version=answer["version"], _continue="1")
    )
    assert response.status_code == 302
    assert PendingChange.objects.get(briefing=live).data["sections"][0]["body"] == TYPED


def test_autosave_refuses_after_a_colleagues_save_and_keeps_their_change(
    client, editor, writer, live
):
    opened_at = live.version
    other = Client()
    other.force_login(writer)
    assert other.post(change_url(live), typed_form(live, title="The writer's title")).status_code
    theirs = PendingChange.objects.get(briefing=live).data

    client.force_login(editor)
    response = client.post(
        autosave_url(live), typed_form(live, base_version=opened_at, title="Mine")
    )

    assert response.status_code == 409
    assert response.json()["saved"] is False
    assert writer.email in response.json()["message"]
    assert PendingChange.objects.get(briefing=live).data == theirs


def test_bad_input_is_refused_with_messages_and_nothing_is_written(client, editor, live, draft):
    client.force_login(editor)
    for briefing in (live, draft):
        response = client.post(
            autosave_url(briefing), typed_form(briefing, title="", confidence="180")
        )
        assert response.status_code == 400
        errors = response.json()["errors"]
        assert any(e.startswith("Title: ") for e in errors)
        assert any(e.startswith("Confidence: ") for e in errors)
    assert not PendingChange.objects.exists()
    assert not Autosave.objects.exists()


def test_autosaving_a_draft_keeps_the_editors_own_autosave_not_the_rows(client, writer, draft):
    generation = content_generation()
    history = Briefing.history.filter(id=draft.pk).count()
    client.force_login(writer)

    response = client.post(autosave_url(draft), typed_form(draft, title="Substation orders rise"))

    assert response.status_code == 200
    assert response.json()["kept_as"] == "autosave"
    autosave = Autosave.objects.get(briefing=draft, user=writer)
    assert autosave.base_version == draft.version
    assert autosave.data["fields"]["title"] == "Substation orders rise"
    fresh = Briefing.objects.get(pk=draft.pk)
    assert (fresh.title, fresh.version) == ("Substation orders", draft.version)
    assert Briefing.history.filter(id=draft.pk).count() == history
    assert content_generation() == generation
    assert not PendingChange.objects.exists()

    # Reopened (a reload, the browser closed): the form holds what was typed.
    page = client.get(change_url(draft))
    content = page.content.decode()
    assert page.context["adminform"].form["title"].value() == "Substation orders rise"
    assert TYPED in content and "A new members&#x27; section typed" in content
    assert "Your autosaved changes, not saved yet" in content

    # Saving it makes it the draft, and the autosave has served its purpose.
    assert client.post(change_url(draft), typed_form(draft)).status_code == 302
    assert not Autosave.objects.exists()
    assert draft.sections.order_by("position").first().body == TYPED


def test_a_colleagues_save_since_turns_the_autosave_into_an_offer_to_restore(
    client, writer, editor, draft
):
    client.force_login(writer)
    client.post(autosave_url(draft), typed_form(draft, title="The writer's autosaved title"))
    other = Client()
    other.force_login(editor)
    assert other.post(change_url(draft), form_data(draft, title="Editor's title")).status_code

    page = client.get(change_url(draft))
    assert page.context["adminform"].form["title"].value() == "Editor's title"
    assert "Restore my autosaved changes" in page.content.decode()

    restored = client.get(change_url(draft) + "?autosave=restore")
    form = restored.context["adminform"].form
    assert form["title"].value() == "The writer's autosaved title"
    assert form["base_version"].value() == draft.version  # typed on the older version
    # Saving it meets the edit-conflict check: the editor's save is shown, not lost.
    response = client.post(change_url(draft), typed_form(draft, title="The writer's title"))
    assert response.status_code == 200
    assert response.context["adminform"].form.conflict is not None


def test_discarding_ones_autosave_opens_the_saved_version(client, writer, draft):
    client.force_login(writer)
    client.post(autosave_url(draft), typed_form(draft, title="Throw this away"))
    response = client.post(reverse("admin:briefings_briefing_autosave_discard", args=[draft.pk]))
    assert response.status_code == 302
    assert not Autosave.objects.exists()
    assert client.get(change_url(draft)).context["adminform"].form["title"].value() == (
        "Substation orders"
    )


def test_autosave_needs_the_change_permission_a_post_and_the_csrf_token(writer, editor, live):
    archived = ready_briefing(title="Old harbour", status=Briefing.Status.ARCHIVED)
    archived.published_at = timezone.now()
    archived.save()
    client = Client(enforce_csrf_checks=True)
    client.force_login(writer)
    page = client.get(change_url(live))
    token = page.cookies["csrftoken"].value
    # A writer may not change an archived briefing: 403, and nothing kept.
    response = client.post(
        autosave_url(archived), {**typed_form(archived), "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 403 and response.json()["saved"] is False
    assert not Autosave.objects.exists()
    # Without the token, refused before anything runs.
    assert client.post(autosave_url(live), typed_form(live)).status_code == 403
    assert client.get(autosave_url(live)).status_code == 405
    assert not PendingChange.objects.exists()

    viewer = StaffFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_briefing"))
    client.force_login(viewer)
    token = client.get(change_url(live)).cookies["csrftoken"].value
    response = client.post(autosave_url(live), {**typed_form(live), "csrfmiddlewaretoken": token})
    assert response.status_code == 403
    assert not PendingChange.objects.exists()

    anonymous = Client()
    assert anonymous.post(autosave_url(live), typed_form(live)).status_code == 302


def test_the_change_form_carries_the_autosave_address_and_scripts_only_for_those_who_may_change(
    client, writer, live
):
    client.force_login(writer)
    content = client.get(change_url(live)).content.decode()
    assert f'data-url="{autosave_url(live)}"' in content
    assert "js/autosave.js" in content
    assert "<script>" not in content.replace("<script src", "")

    viewer = StaffFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_briefing"))
    client.force_login(viewer)
    content = client.get(change_url(live)).content.decode()
    assert "js/autosave.js" not in content and "autosave-status" not in content
