"""
The shared cache (briefings.caching): whole anonymous pages and the rendered parts of a
briefing page. What matters most is that a cached copy never reaches a reader it was not
made for, and that an edit shows on the very next request.
"""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from briefings.models import Briefing
from briefings.reading import tier_wording
from briefings.search import briefings_reindex
from config.caching import PAGE_HEADER
from members.access import Audience
from members.models import Tier
from tests.briefings.newsroom import change_url, form_data
from tests.factories import (
    BriefingFactory,
    CitationFactory,
    MembershipFactory,
    SectionFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PUBLIC_TEXT = "Publicwombat opening paragraph."
CIRCLE_TEXT = "Circlequokka trend context."
ALLIANCE_TEXT = "Alliancenarwhal failure path."
NOTE_TEXT = "Notepangolin reliability note."
GATED = [CIRCLE_TEXT, ALLIANCE_TEXT, NOTE_TEXT]


@pytest.fixture
def briefing():
    briefing = BriefingFactory(title="Harbour cranes")
    SectionFactory(briefing=briefing, position=1, body=PUBLIC_TEXT)
    SectionFactory(
        briefing=briefing, position=2, body=CIRCLE_TEXT, audience=Audience.STRATEGIC_CIRCLE
    )
    SectionFactory(
        briefing=briefing, position=3, body=ALLIANCE_TEXT, audience=Audience.LEADERSHIP_ALLIANCE
    )
    CitationFactory(briefing=briefing, note=NOTE_TEXT)
    briefings_reindex(briefing_ids=[briefing.pk])  # found by the search page
    return briefing


def member(client, tier):
    user = UserFactory()
    if tier is not None:
        MembershipFactory(user=user, tier=tier)
    client.force_login(user)
    return user


def text(response):
    return response.content.decode()


def readable(audience):
    return {
        Audience.PUBLIC: [],
        Audience.STRATEGIC_CIRCLE: [CIRCLE_TEXT],
        Audience.LEADERSHIP_ALLIANCE: [CIRCLE_TEXT, ALLIANCE_TEXT, NOTE_TEXT],
    }[audience]


# --- Nothing cached reaches the wrong reader ----------------------------------------


@pytest.mark.parametrize("first", list(Audience), ids=lambda a: a.slug)
def test_each_reader_sees_only_their_own_parts_whoever_came_first(client_factory, briefing, first):
    """Every audience reads the page after `first` filled the cache: each sees exactly its own."""
    url = briefing.get_absolute_url()
    order = [first, *(audience for audience in Audience if audience != first)]
    for audience in order * 2:  # the second round is answered from the cache
        client = client_factory()
        if audience != Audience.PUBLIC:
            member(client, audience)
        html = text(client.get(url))
        assert PUBLIC_TEXT in html
        for gated in GATED:
            assert (gated in html) == (gated in readable(audience)), (audience, gated)


def test_a_signed_in_page_is_never_stored_for_others(client_factory, briefing):
    url = briefing.get_absolute_url()
    alliance = client_factory()
    member(alliance, Audience.LEADERSHIP_ALLIANCE)
    assert ALLIANCE_TEXT in text(alliance.get(url))
    assert ALLIANCE_TEXT in text(alliance.get(url))

    anonymous = client_factory().get(url)
    assert anonymous[PAGE_HEADER] == "miss"  # nothing was stored by the member's visits
    assert ALLIANCE_TEXT not in text(anonymous)


def test_a_reader_with_a_session_is_never_given_the_shared_copy(client_factory, briefing):
    url = briefing.get_absolute_url()
    assert client_factory().get(url)[PAGE_HEADER] == "miss"
    assert client_factory().get(url)[PAGE_HEADER] == "hit"

    circle = client_factory()
    member(circle, Audience.STRATEGIC_CIRCLE)
    response = circle.get(url)
    assert PAGE_HEADER not in response
    assert CIRCLE_TEXT in text(response)
    assert response["Cache-Control"] == "private, no-store"


def test_a_shared_copy_still_gets_its_own_headers(client_factory, briefing):
    url = briefing.get_absolute_url()
    first, second = client_factory().get(url), client_factory().get(url)
    assert second[PAGE_HEADER] == "hit"
    assert second["X-Request-ID"] != first["X-Request-ID"]
    assert second["Cache-Control"].startswith("public, max-age=")
    assert "Cookie" in second["Vary"]
    assert "Content-Security-Policy" in second or "Content-Security-Policy-Report-Only" in second
    assert not second.cookies


def test_pages_with_a_form_token_or_a_message_are_not_shared(client_factory):
    login = reverse("account_login")
    first, second = client_factory().get(login), client_factory().get(login)
    assert PAGE_HEADER not in first and PAGE_HEADER not in second
    assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value

    home = reverse("briefings:home")
    client_factory().get(home)  # stored
    with_message = client_factory()
    with_message.cookies["messages"] = "anything"
    assert PAGE_HEADER not in with_message.get(home)


def test_an_anonymous_search_is_kept_in_the_page_cache_per_address(client_factory, briefing):
    search = reverse("briefings:search")
    for query in ("?q=cranes", "?q=cranes&page=2", "?q=publicwombat", "?page=2&q=cranes"):
        first, second = client_factory().get(search + query), client_factory().get(search + query)
        # Each address is a page of its own (the same words in another order are one).
        assert first.get(PAGE_HEADER) == ("hit" if query == "?page=2&q=cranes" else "miss")
        assert second[PAGE_HEADER] == "hit"
        assert text(second) == text(first)
    found = text(client_factory().get(search + "?q=publicwombat"))
    assert "Harbour cranes" in found and "Publicwombat" in found
    # Words of gated sections find nothing for a stranger, kept or not.
    for word in ("circlequokka", "alliancenarwhal", "notepangolin"):
        for _ in range(2):
            page = text(client_factory().get(search + "?q=" + word))
            assert "Harbour cranes" not in page
            assert all(gated not in page for gated in GATED)


@pytest.mark.parametrize(
    "query", ["?q=" + "x" * 500, "?q=cranes&kind=no-such-kind", "?q=cranes&utm_source=mail"]
)
def test_a_search_with_an_error_or_a_made_up_parameter_is_never_kept(
    client_factory, briefing, query
):
    url = reverse("briefings:search") + query
    for _ in range(2):
        response = client_factory().get(url)
        assert response.status_code == 200 and PAGE_HEADER not in response


def test_a_preview_is_rendered_afresh_every_time(admin_preview_client):
    client, draft = admin_preview_client
    url = reverse("admin:briefings_briefing_preview", args=[draft.pk, "leadership-alliance"])
    assert "First draft words" in text(client.get(url))
    # A change that no signal announces still shows: nothing of a preview is kept.
    draft.sections.update(body_html="<p>Second draft words</p>")
    assert "Second draft words" in text(client.get(url))


# --- An edit shows on the next request -----------------------------------------------


def test_an_edited_section_shows_at_once_to_everyone(client_factory, briefing):
    url = briefing.get_absolute_url()
    alliance = client_factory()
    member(alliance, Audience.LEADERSHIP_ALLIANCE)
    for client in (client_factory(), alliance):
        client.get(url)
        client.get(url)

    public = briefing.sections.get(position=1)
    public.body = "Publicwombat rewritten opening."
    public.save()
    failure = briefing.sections.get(position=3)
    failure.body = "Alliancenarwhal rewritten failure path."
    failure.save()

    anonymous = text(client_factory().get(url))
    assert "rewritten opening" in anonymous and "rewritten failure" not in anonymous
    assert "rewritten failure path" in text(alliance.get(url))


def test_edits_outside_the_briefing_show_at_once(client_factory, briefing):
    url = briefing.get_absolute_url()
    source = briefing.citations.get().source
    client_factory().get(url)
    assert client_factory().get(url)[PAGE_HEADER] == "hit"

    source.title = "A renamed source"
    source.save()
    assert "A renamed source" in text(client_factory().get(url))

    tier = Tier.objects.get(audience=Audience.STRATEGIC_CIRCLE)
    tier.pitch = "A freshly worded invitation."
    tier.save()
    assert "A freshly worded invitation." in text(client_factory().get(url))

    category = briefing.category
    category.name = "Renamed coverage"
    category.save()
    for path in (url, reverse("briefings:home"), reverse("briefings:list")):
        assert "Renamed coverage" in text(client_factory().get(path)), path


def test_unpublishing_takes_the_page_down_at_once(client_factory, briefing):
    url = briefing.get_absolute_url()
    client_factory().get(url)
    briefing.status = Briefing.Status.ARCHIVED
    briefing.save()
    assert client_factory().get(url).status_code == 404


def test_a_new_briefing_appears_on_the_home_page_at_once(client_factory, briefing):
    home = reverse("briefings:home")
    client_factory().get(home)
    assert client_factory().get(home)[PAGE_HEADER] == "hit"
    BriefingFactory(title="A brand new briefing")
    assert "A brand new briefing" in text(client_factory().get(home))


@pytest.mark.parametrize("name", ["briefings:home", "briefings:list"])
def test_list_content_is_shared_by_members_yet_shows_a_new_briefing_at_once(
    client_factory, briefing, django_assert_num_queries, name
):
    url = reverse(name)
    first, second = client_factory(), client_factory()
    member(first, Audience.LEADERSHIP_ALLIANCE)
    member(second, None)
    assert "Harbour cranes" in text(first.get(url))
    tier_wording()  # the home's offer words, cached once for everyone (not this test's point)
    # The second reader's page is their own (their account link, no shared response),
    # but its content comes from the copy the first one's request rendered: only the
    # account, the reader (what the cards' "Unlocked" marks need) and their follows are
    # looked up; the last two name the page kept whole for them (briefings.signed_pages).
    with django_assert_num_queries(3):
        page = text(second.get(url))
    assert "Harbour cranes" in page and "Account" in page
    BriefingFactory(title="A brand new briefing")
    assert "A brand new briefing" in text(second.get(url))


def test_an_edit_through_admin_shows_on_the_next_request(client_factory, briefing, editor_client):
    url = briefing.get_absolute_url()
    client_factory().get(url)
    assert client_factory().get(url)[PAGE_HEADER] == "hit"
    editor_client.rename(briefing, "Harbour cranes, revised")
    assert "Harbour cranes, revised" in text(client_factory().get(url))
    assert not mail.outbox


# --- Fixtures -------------------------------------------------------------------------


@pytest.fixture
def client_factory():
    return Client


@pytest.fixture
def admin_preview_client(client):
    client.force_login(StaffFactory(group="writers"))
    draft = BriefingFactory(status=Briefing.Status.DRAFT)
    SectionFactory(briefing=draft, body="First draft words")
    return client, draft


@pytest.fixture
def editor_client(client):
    """Edits a briefing's title through the admin change form, as an editor would."""
    client.force_login(StaffFactory(group="editors"))

    class Editor:
        @staticmethod
        def rename(briefing, title):
            # Saved and published at once: a live briefing's edit waits until then.
            data = form_data(briefing, title=title, _publish_changes="Save and publish changes")
            response = client.post(change_url(briefing), data)
            assert response.status_code == 302, response.content.decode()[:2000]

    return Editor


def test_search_filters_show_each_readers_choice_and_new_terms_at_once(client, briefing):
    from tests.factories import CategoryFactory

    url = reverse("briefings:search")
    other = CategoryFactory(name="Subsea cables")
    for chosen, not_chosen in [(briefing.category, other), (other, briefing.category)] * 2:
        html = text(client.get(url, {"q": "cranes", "category": chosen.slug}))
        assert f'<option value="{chosen.slug}" selected>' in html
        assert f'<option value="{not_chosen.slug}">' in html
    CategoryFactory(name="Orbital launch")
    assert "Orbital launch" in text(client.get(url, {"q": "cranes"}))
