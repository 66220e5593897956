"""
Changes to a live briefing wait until an editor publishes them: readers, search, feeds
and caches see the live version until then; the editor previews, compares, publishes or
discards them; writers prepare and submit them but never publish.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from briefings import workflow
from briefings.models import Briefing, PendingChange
from briefings.search import briefings_reindex
from config.caching import content_generation
from members.access import Audience
from tests.briefings.newsroom import change_url, form_data
from tests.factories import StaffFactory, ready_briefing

pytestmark = pytest.mark.django_db

LIVE_WORDS = "Public text."
PENDING_PUBLIC = "Saffron rewrite of the fact."
PENDING_GATED = "Marzipan members only."


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


def changed_form(briefing, **overrides):
    """The change form with the fact rewritten, a gated section added, a new title."""
    [fact] = briefing.sections.all()
    overrides = {"title": "Harbour cranes go fully remote", **overrides}
    return form_data(
        briefing,
        sections=[
            {
                "id": fact.pk,
                "position": 1,
                "heading": "The fact",
                "audience": 0,
                "body": PENDING_PUBLIC,
            },
            {
                "position": "",
                "heading": "Trend",
                "audience": Audience.STRATEGIC_CIRCLE.value,
                "body": PENDING_GATED,
            },
        ],
        **overrides,
    )


def save_changes(client, user, briefing, **overrides):
    client.force_login(user)
    response = client.post(change_url(briefing), changed_form(briefing, **overrides))
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def public_page(client, briefing) -> str:
    client.logout()
    response = client.get(briefing.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def search(client, words):
    client.logout()
    return [
        b.pk for b in client.get(reverse("briefings:search"), {"q": words}).context["briefings"]
    ]


def test_an_editors_save_of_a_live_briefing_changes_nothing_readers_see(client, editor, live):
    before_page = public_page(client, live)
    before_feed = client.get("/feeds/latest.rss").content
    generation = content_generation()
    rows = list(live.sections.values_list("body", flat=True))

    save_changes(client, editor, live)

    live.refresh_from_db()
    assert live.title == "Harbour cranes go remote"
    assert list(live.sections.values_list("body", flat=True)) == rows
    assert PendingChange.objects.filter(briefing=live).exists()
    assert content_generation() == generation
    page = public_page(client, live)
    assert page == before_page
    assert PENDING_PUBLIC not in page
    assert client.get("/feeds/latest.rss").content == before_feed
    assert search(client, "saffron") == []
    assert not live.search_documents.filter(body__contains="Marzipan").exists()


def test_the_form_opens_with_the_changes_and_says_they_are_not_live(client, editor, live):
    save_changes(client, editor, live)
    content = client.get(change_url(live)).content.decode()
    assert "These changes are not live yet" in content
    assert "Harbour cranes go fully remote" in content
    assert PENDING_PUBLIC in content and PENDING_GATED in content
    for label in ("Publish changes", "Discard changes", "Compare with what is live"):
        assert label in content
    assert reverse("admin:briefings_briefing_pending_preview", args=[live.pk, "public"]) in content
    # Saved again unchanged from the reopened form, the changes stay as they were.
    response = client.get(change_url(live))
    data = response.context["adminform"].form.initial
    assert data["title"] == "Harbour cranes go fully remote"
    before = PendingChange.objects.get(briefing=live).data
    live.refresh_from_db()
    reopened = form_data_from_response(response, live)
    assert client.post(change_url(live), reopened).status_code == 302
    assert PendingChange.objects.get(briefing=live).data["sections"] == before["sections"]


def form_data_from_response(response, briefing):
    """What the browser posts back from the opened change form, untouched."""
    form = response.context["adminform"].form
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    for name in ("category", "region", "topic"):
        data[name] = data.get(name) or ""
    data["base_version"] = briefing.version
    published = briefing.published_at
    data["published_at_0"] = published.strftime("%Y-%m-%d")
    data["published_at_1"] = published.strftime("%H:%M:%S")
    data.pop("published_at", None)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        prefix = formset.prefix
        forms = [
            f
            for f in formset.forms
            if f.instance.pk or f.initial.get("body") or f.initial.get("source")
        ]
        data[f"{prefix}-TOTAL_FORMS"] = len(forms)
        data[f"{prefix}-INITIAL_FORMS"] = formset.initial_form_count()
        data[f"{prefix}-MIN_NUM_FORMS"] = 0
        data[f"{prefix}-MAX_NUM_FORMS"] = 1000
        for i, f in enumerate(forms):
            for name in f.fields:
                if name in ("DELETE", "briefing"):
                    continue
                value = f.initial.get(name)
                if name == "id":
                    value = f.instance.pk
                if name == "source" and hasattr(value, "pk"):
                    value = value.pk
                data[f"{prefix}-{i}-{name}"] = "" if value is None else value
            data[f"{prefix}-{i}-briefing"] = briefing.pk
    return data


def test_preview_of_the_changes_shows_them_to_each_audience_as_its_own(client, editor, live):
    save_changes(client, editor, live)
    url = reverse("admin:briefings_briefing_pending_preview", args=[live.pk, "public"])
    anonymous = client.get(url).content.decode()
    assert PENDING_PUBLIC in anonymous
    assert PENDING_GATED not in anonymous
    assert "Harbour cranes go fully remote" in anonymous
    assert "changes not yet published" in anonymous
    circle = client.get(
        reverse("admin:briefings_briefing_pending_preview", args=[live.pk, "strategic-circle"])
    ).content.decode()
    assert PENDING_GATED in circle
    # The ordinary preview still shows the live version.
    live_preview = client.get(
        reverse("admin:briefings_briefing_preview", args=[live.pk, "public"])
    ).content.decode()
    assert PENDING_PUBLIC not in live_preview and LIVE_WORDS in live_preview


def test_compare_lists_the_changes_against_what_is_live(client, editor, live):
    save_changes(client, editor, live)
    response = client.get(reverse("admin:briefings_briefing_pending_compare", args=[live.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Live now" in content and "With the changes" in content
    assert "<ins>fully </ins>" in content
    assert "Saffron" in content and "(added)" in content and "(changed)" in content
    comparison = response.context["comparison"]
    assert [p.change for p in comparison.sections] == ["changed", "added"]


def test_publishing_the_changes_changes_the_page_search_and_history(client, editor, live):
    save_changes(client, editor, live)
    version = Briefing.objects.get(pk=live.pk).version
    generation = content_generation()
    response = client.post(reverse("admin:briefings_briefing_pending_compare", args=[live.pk]))
    assert response.status_code == 302
    live.refresh_from_db()
    assert live.title == "Harbour cranes go fully remote"
    assert live.version == version + 1
    assert live.status == Briefing.Status.PUBLISHED
    assert not PendingChange.objects.filter(briefing=live).exists()
    assert content_generation() != generation
    record = live.history.first()
    assert record.history_change_reason == "Published changes"
    assert record.history_user == editor
    page = public_page(client, live)
    assert PENDING_PUBLIC in page
    assert PENDING_GATED not in page
    assert search(client, "saffron") == [live.pk]
    assert search(client, "marzipan") == []
    assert [s.position for s in live.sections.all()] == [1, 2]


def test_discarding_leaves_the_page_as_it_was(client, editor, live):
    before = public_page(client, live)
    save_changes(client, editor, live)
    url = reverse("admin:briefings_briefing_pending_discard", args=[live.pk])
    assert "Discard the changes" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    assert not PendingChange.objects.filter(briefing=live).exists()
    assert public_page(client, live) == before
    client.force_login(editor)
    assert "not live yet" not in client.get(change_url(live)).content.decode()


def test_a_writer_prepares_and_submits_changes_but_cannot_publish_them(client, writer, live):
    save_changes(client, writer, live, _submit_changes="Save and submit changes for review")
    change = PendingChange.objects.get(briefing=live)
    assert change.submitted_for_review and change.by == writer
    content = client.get(change_url(live)).content.decode()
    assert "submitted for review" in content
    assert 'name="_publish_changes"' not in content

    compare = reverse("admin:briefings_briefing_pending_compare", args=[live.pk])
    assert client.post(compare).status_code == 403
    live.refresh_from_db()
    response = client.post(change_url(live), changed_form(live, _publish_changes="Publish"))
    assert response.status_code == 403
    with pytest.raises(workflow.PermissionDenied):
        from briefings.pending.workflow import briefing_publish_changes

        briefing_publish_changes(briefing=live, by=writer)
    assert PENDING_PUBLIC not in public_page(client, live)
    live.refresh_from_db()
    assert live.title == "Harbour cranes go remote"


def test_broken_changes_are_not_published_and_the_problems_are_listed(client, editor, live):
    [fact] = live.sections.all()
    client.force_login(editor)
    data = form_data(
        live,
        category="",
        confidence="",
        sections=[{"id": fact.pk, "position": 1, "heading": "x", "audience": 2, "body": "Gated."}],
    )
    # Saved as pending changes: they are a draft, checked when published.
    assert client.post(change_url(live), data).status_code == 302
    response = client.post(
        reverse("admin:briefings_briefing_pending_compare", args=[live.pk]), follow=True
    )
    content = response.content.decode()
    assert "The changes are not published" in content
    assert "Choose a category" in content
    assert "needs its confidence" in content
    assert "at least one public section" in content
    live.refresh_from_db()
    assert live.category_id and live.sections.get().audience == Audience.PUBLIC
    assert PendingChange.objects.filter(briefing=live).exists()


def test_save_and_publish_changes_from_the_form_checks_first(client, editor, live):
    client.force_login(editor)
    response = client.post(
        change_url(live), changed_form(live, summary="", _publish_changes="Publish changes")
    )
    assert response.status_code == 200
    assert "Write a summary" in response.content.decode()
    assert not PendingChange.objects.filter(briefing=live).exists()

    response = client.post(change_url(live), changed_form(live, _publish_changes="Publish"))
    assert response.status_code == 302
    assert PENDING_PUBLIC in public_page(client, live)


def test_a_stale_form_is_refused_against_a_colleagues_pending_changes(client, editor, live):
    stale = changed_form(live, title="My stale headline")
    save_changes(client, StaffFactory(group="writers"), live)
    client.force_login(editor)
    response = client.post(change_url(live), stale)
    assert response.status_code == 200
    content = response.content.decode()
    assert "while you were editing" in content
    assert PendingChange.objects.get(briefing=live).by.email in content
    assert PendingChange.objects.get(briefing=live).data["fields"]["title"] != "My stale headline"


def test_moving_the_publish_time_waits_for_publishing_the_changes(client, editor, live):
    later = timezone.now() + timezone.timedelta(days=2)
    data = changed_form(
        live,
        published_at_0=later.strftime("%Y-%m-%d"),
        published_at_1=later.strftime("%H:%M:%S"),
    )
    client.force_login(editor)
    assert client.post(change_url(live), data).status_code == 302
    assert Briefing.objects.published().filter(pk=live.pk).exists()
    client.post(reverse("admin:briefings_briefing_pending_compare", args=[live.pk]))
    live.refresh_from_db()
    assert live.status == Briefing.Status.SCHEDULED
    assert not Briefing.objects.published().filter(pk=live.pk).exists()


def test_unpublishing_writes_the_form_and_drops_the_pending_changes(client, editor, live):
    save_changes(client, editor, live)
    live.refresh_from_db()
    client.post(change_url(live), changed_form(live, _unpublish="Save and unpublish"))
    live.refresh_from_db()
    assert live.status == Briefing.Status.DRAFT
    assert live.title == "Harbour cranes go fully remote"
    assert not PendingChange.objects.filter(briefing=live).exists()


def test_an_address_taken_since_the_changes_were_saved_blocks_publishing(client, editor, live):
    save_changes(client, editor, live, slug="harbour-cranes-fully-remote")
    ready_briefing(slug="harbour-cranes-fully-remote")
    response = client.post(
        reverse("admin:briefings_briefing_pending_compare", args=[live.pk]), follow=True
    )
    assert "now has the address" in response.content.decode()
    live.refresh_from_db()
    assert live.slug != "harbour-cranes-fully-remote"
    assert PendingChange.objects.filter(briefing=live).exists()


def test_the_form_around_the_changes_still_names_the_live_address(client, editor, live):
    save_changes(client, editor, live, slug="a-new-address")
    content = client.get(change_url(live)).content.decode()
    assert 'value="a-new-address"' in content
    assert f'href="{live.get_absolute_url()}"' in content
    assert "/briefings/a-new-address/" not in content
