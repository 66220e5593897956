"""
Per-briefing search and sharing fields: the page's <title>, meta description, OpenGraph
and Twitter tags use them, with the title and summary standing in when they are empty;
the change form previews the search result and the share card from the same functions
(briefings.seo), counts towards the length guidance without refusing; for a live
briefing they wait, like every other field, until the changes are published.
"""

import pytest
from django.urls import reverse

from briefings import seo, workflow
from briefings.models import Briefing
from briefings.newsroom.search_preview import cut
from briefings.pending.workflow import briefing_publish_changes
from briefings.search import briefings_reindex
from tests.briefings.newsroom import change_url, form_data
from tests.briefings.test_seo import head_of
from tests.factories import StaffFactory, ready_briefing

pytestmark = pytest.mark.django_db

LONG_DESCRIPTION = " ".join(["Operators reroute cargo through the automated terminal."] * 5)


@pytest.fixture
def editor():
    return StaffFactory(group="editors")


def live_briefing(editor, **fields):
    briefing = ready_briefing(title="Harbour cranes go remote", summary="The summary.", **fields)
    workflow.briefing_publish(briefing=briefing, by=editor)
    briefings_reindex(briefing_ids=[briefing.pk])
    briefing.refresh_from_db()
    return briefing


def title_of(response) -> str:
    html = response.content.decode()
    return html.split("<title>")[1].split("</title>")[0]


def test_the_page_uses_the_search_title_and_description(client, editor):
    briefing = live_briefing(
        editor,
        meta_title="Remote cranes: what changes at the harbour",
        meta_description="How remote crane control changes labour and throughput.",
    )
    response = client.get(briefing.get_absolute_url())
    head = head_of(response)

    assert title_of(response) == "Remote cranes: what changes at the harbour"
    assert head.meta["description"] == ["How remote crane control changes labour and throughput."]
    assert head.meta["og:title"] == ["Remote cranes: what changes at the harbour"]
    assert head.meta["twitter:title"] == ["Remote cranes: what changes at the harbour"]
    assert head.meta["og:description"] == head.meta["description"]
    assert head.meta["twitter:description"] == head.meta["description"]
    assert head.json_ld[0]["description"] == head.meta["description"][0]
    assert head.json_ld[0]["headline"] == "Harbour cranes go remote"  # the headline is the title


def test_empty_fields_fall_back_to_the_title_and_summary(client, editor, settings):
    briefing = live_briefing(editor)
    response = client.get(briefing.get_absolute_url())
    head = head_of(response)

    assert title_of(response) == f"Harbour cranes go remote · {settings.SITE_NAME}"
    assert head.meta["og:title"] == ["Harbour cranes go remote"]
    assert head.meta["description"] == ["The summary."]
    assert head.meta["twitter:card"] == ["summary"]
    assert "og:image" not in head.meta


def test_the_share_image_is_seo_share_image_on_the_page_and_in_the_preview(
    client, editor, settings
):
    settings.SHARE_IMAGE_URL = "/static/img/share.png"
    settings.SHARE_IMAGE_ALT = "The Meridian Briefings masthead"
    briefing = live_briefing(editor)
    head = head_of(client.get(briefing.get_absolute_url()))

    image = seo.share_image(briefing)
    assert head.meta["og:image"] == [f"http://testserver{image.url}"]
    assert head.meta["twitter:image"] == head.meta["og:image"]
    assert head.meta["og:image:alt"] == [image.alt]
    assert head.meta["twitter:card"] == ["summary_large_image"]

    client.force_login(editor)
    form = client.get(change_url(briefing)).content.decode()
    assert f'<img class="newsroom-card__image" src="{image.url}" alt="{image.alt}">' in form


def test_the_change_form_previews_the_result_and_the_card_with_guidance(client, editor):
    briefing = live_briefing(editor, meta_description=LONG_DESCRIPTION)
    client.force_login(editor)
    response = client.get(change_url(briefing))
    html = response.content.decode()

    assert 'id="id_meta_title"' in html and 'id="id_meta_description"' in html
    assert "js/search-preview.js" in html
    assert 'data-title-guide="60"' in html and 'data-description-guide="155"' in html
    # The result cuts the description at a word near 155 characters; the card keeps it all.
    assert cut(LONG_DESCRIPTION, 155) in html
    assert cut(LONG_DESCRIPTION, 155).endswith(" …") and len(cut(LONG_DESCRIPTION, 155)) <= 157
    assert "Harbour cranes go remote · " in html  # the result title's fallback
    assert "About 60 characters show" in html  # the help text, for readers without JS


def test_long_fields_are_warned_about_never_refused(client, editor):
    briefing = ready_briefing(title="Substation orders")
    client.force_login(editor)
    long_title = "A search title much longer than the sixty or so characters results show"
    response = client.post(
        change_url(briefing),
        form_data(briefing, meta_title=long_title, meta_description=LONG_DESCRIPTION),
    )
    assert response.status_code == 302
    briefing.refresh_from_db()
    assert briefing.meta_title == long_title and briefing.meta_description == LONG_DESCRIPTION


def test_on_a_live_briefing_they_wait_for_the_changes_to_be_published(client, editor):
    briefing = live_briefing(editor)
    client.force_login(editor)
    response = client.post(
        change_url(briefing),
        form_data(
            briefing,
            meta_title="Unpublished search title",
            meta_description="Unpublished share description.",
        ),
    )
    assert response.status_code == 302
    client.logout()
    page = client.get(briefing.get_absolute_url()).content.decode()
    assert "Unpublished" not in page

    # The pending preview and the comparison show them to the newsroom.
    client.force_login(editor)
    preview = client.get(
        reverse("admin:briefings_briefing_pending_preview", args=[briefing.pk, "public"])
    )
    assert "Unpublished search title" in preview.content.decode()
    compare = client.get(reverse("admin:briefings_briefing_pending_compare", args=[briefing.pk]))
    assert "Unpublished share description." in compare.content.decode()

    briefing_publish_changes(briefing=Briefing.objects.get(pk=briefing.pk), by=editor)
    client.logout()
    response = client.get(briefing.get_absolute_url())
    assert title_of(response) == "Unpublished search title"
    assert head_of(response).meta["description"] == ["Unpublished share description."]


def test_cut_keeps_short_text_and_cuts_long_text_at_a_word():
    assert cut("Short  title", 60) == "Short title"
    assert cut("word " * 30, 20) == "word word word word …"
