"""
Following a category, region or topic, and saving a search as an alert, from the reader
pages: POST and redirect, without JavaScript, for signed-in members only.
"""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from config.caching import PAGE_HEADER
from delivery.models import DeliveryPreference, Follow, SavedSearch, Suppression
from tests.briefings.helpers import visible_text
from tests.factories import BriefingFactory, CategoryFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def briefing():
    return BriefingFactory(
        title="Harbour cranes",
        category=CategoryFactory(name="Cloud infrastructure"),
    )


@pytest.fixture
def member(client):
    user = UserFactory()
    client.force_login(user)
    return user


def follow_url(term, kind="category", action="follow"):
    return reverse(f"delivery:{action}", args=[kind, term.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- Follow and unfollow ---------------------------------------------------------------


def test_an_anonymous_follow_goes_to_sign_in_and_back_and_stores_nothing(client, briefing):
    here = briefing.get_absolute_url()
    response = client.post(follow_url(briefing.category), {"next": here})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=" + here.replace("/", "%2F")
    assert not Follow.objects.exists()


def test_following_redirects_back_and_says_how_it_will_arrive(client, member, briefing):
    here = briefing.get_absolute_url()
    response = client.post(follow_url(briefing.category), {"next": here})
    assert response.status_code == 302 and response["Location"] == here
    assert Follow.objects.get(user=member).category == briefing.category
    [message] = messages_of(response)
    assert message == (
        "You follow Cloud infrastructure. New briefings in it reach you by your delivery "
        "choice (weekly digest)."
    )


def test_following_twice_is_one_follow(client, member, briefing):
    client.post(follow_url(briefing.category))
    response = client.post(follow_url(briefing.category))
    assert Follow.objects.filter(user=member).count() == 1
    assert messages_of(response)[-1].startswith("You already follow Cloud infrastructure.")


def test_the_message_says_when_nothing_will_be_sent(client, member, briefing):
    DeliveryPreference.objects.filter(user=member).update(cadence="none")
    response = client.post(follow_url(briefing.region, "region"))
    assert "alerts and digests turned off" in messages_of(response)[0]
    Suppression.objects.create(address=member.email, reason="bounced")
    response = client.post(follow_url(briefing.topic, "topic"))
    assert "E-mail from us is turned off" in messages_of(response)[-1]


def test_a_region_and_a_topic_can_be_followed_too(client, member, briefing):
    client.post(follow_url(briefing.region, "region"))
    client.post(follow_url(briefing.topic, "topic"))
    assert {f.kind for f in Follow.objects.filter(user=member)} == {"region", "topic"}


@pytest.mark.parametrize(
    "url",
    [
        "/account/follows/category/999999/follow/",
        "/account/follows/briefing/1/follow/",
        "/account/follows/user/1/follow/",
        "/account/follows/category/999999/unfollow/",
    ],
)
def test_unknown_or_forged_targets_are_404_and_change_nothing(client, member, briefing, url):
    assert client.post(url).status_code == 404
    assert not Follow.objects.exists()


def test_a_next_to_another_site_is_not_followed(client, member, briefing):
    response = client.post(follow_url(briefing.category), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("delivery:preferences")


def test_following_is_post_only(client, member, briefing):
    assert client.get(follow_url(briefing.category)).status_code == 405
    assert not Follow.objects.exists()


def test_following_needs_the_form_token(member, briefing):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.post(follow_url(briefing.category)).status_code == 403
    assert not Follow.objects.exists()


def test_unfollowing(client, member, briefing):
    Follow.objects.create(user=member, category=briefing.category)
    response = client.post(follow_url(briefing.category, action="unfollow"))
    assert not Follow.objects.exists()
    assert messages_of(response) == ["You no longer follow Cloud infrastructure."]
    response = client.post(follow_url(briefing.category, action="unfollow"))
    assert messages_of(response)[-1] == "You were not following Cloud infrastructure."


def test_one_member_cannot_unfollow_for_another(client, member, briefing):
    other = UserFactory()
    Follow.objects.create(user=other, category=briefing.category)
    client.post(follow_url(briefing.category, action="unfollow"))
    assert Follow.objects.filter(user=other).exists()


# --- The briefing page -----------------------------------------------------------------


def follow_panel(response) -> str:
    html = response.content.decode()
    start = html.index('class="follow-panel"')
    return html[start : html.index("</aside>", start)]


def test_the_briefing_page_offers_its_category_region_and_topic(client, member, briefing):
    panel = follow_panel(client.get(briefing.get_absolute_url()))
    for kind, term in [
        ("category", briefing.category),
        ("region", briefing.region),
        ("topic", briefing.topic),
    ]:
        assert f'action="{follow_url(term, kind)}"' in panel
    assert "Following" not in visible_text(panel)


def test_after_following_the_button_says_following_and_unfollow(client, member, briefing):
    url = briefing.get_absolute_url()
    client.get(url)  # the parts are now cached for this reader: the state is not in them
    response = client.post(follow_url(briefing.category), {"next": url}, follow=True)
    panel = follow_panel(response)
    assert "Category Following Cloud infrastructure Unfollow Cloud infrastructure" in (
        visible_text(panel)
    )
    assert f'action="{follow_url(briefing.category, action="unfollow")}"' in panel
    assert f'action="{follow_url(briefing.region, "region")}"' in panel
    # Another member reading the same cached parts sees their own state.
    other = Client()
    other.force_login(UserFactory())
    assert "Following" not in visible_text(follow_panel(other.get(url)))


def test_anonymous_readers_get_a_sign_in_link_and_the_page_is_still_shared(briefing):
    url = briefing.get_absolute_url()
    response = Client().get(url)
    panel = follow_panel(response)
    assert "<form" not in panel
    assert 'href="/accounts/login/?next=' in panel and "Sign in to follow" in panel
    assert Client().get(url)[PAGE_HEADER] == "hit"


def test_a_preview_shows_no_follow_panel(client, briefing):
    client.force_login(StaffFactory(group="writers"))
    preview = reverse("admin:briefings_briefing_preview", args=[briefing.pk, "public"])
    response = client.get(preview)
    assert response.status_code == 200
    assert "follow-panel" not in response.content.decode()


# --- Coverage pages --------------------------------------------------------------------


def test_a_coverage_page_has_the_follow_button(client, member, briefing):
    url = briefing.category.get_absolute_url()
    html = client.get(url).content.decode()
    assert f'action="{follow_url(briefing.category)}"' in html
    assert "Harbour cranes" in html
    client.post(follow_url(briefing.category), {"next": url})
    html = client.get(url).content.decode()
    assert f'action="{follow_url(briefing.category, action="unfollow")}"' in html


def test_an_anonymous_coverage_page_links_to_sign_in_and_is_shared(briefing):
    url = briefing.region.get_absolute_url()
    html = Client().get(url).content.decode()
    assert "Sign in to follow" in html and "<form" not in html.split("</header>", 1)[1]
    assert Client().get(url)[PAGE_HEADER] == "hit"


# --- Saving a search -------------------------------------------------------------------


def save(client, query: str, **extra):
    return client.post(reverse("delivery:saved-search-add"), {"search": query, **extra})


def test_the_search_page_offers_to_save_the_search(client, member, briefing):
    html = client.get(reverse("briefings:search"), {"q": "cranes"}).content.decode()
    assert 'action="/account/alerts/save/"' in html
    assert 'name="search" value="q=cranes"' in html
    anonymous = Client().get(reverse("briefings:search"), {"q": "cranes"}).content.decode()
    assert "Sign in to save this search as an alert" in anonymous
    assert 'action="/account/alerts/save/"' not in anonymous


def test_saving_a_search_stores_it_normalised_with_a_readable_name(client, member, briefing):
    slug = briefing.category.slug
    search = f"region=&page=3&q=harbour+cranes&category={slug}&utm_source=mail"
    back = f"/search/?{search}"
    response = save(client, search, next=back)
    assert response["Location"] == back
    saved = SavedSearch.objects.get(user=member)
    assert saved.query_string == f"category={slug}&q=harbour+cranes"
    assert saved.name == "“harbour cranes” · Category: Cloud infrastructure"
    assert messages_of(response)[0].startswith(
        "Saved as an alert: “harbour cranes” · Category: Cloud infrastructure. "
        "New briefings it finds reach you"
    )
    # The same search in another order, or on another page, is the same alert.
    response = save(client, f"q=harbour+cranes&category={slug}&page=2")
    assert SavedSearch.objects.filter(user=member).count() == 1
    assert messages_of(response)[-1].startswith("You already have this alert")


def test_an_empty_search_is_not_saved(client, member):
    response = save(client, "q=&page=2&category=no-such-category")
    assert not SavedSearch.objects.exists()
    assert messages_of(response) == ["Type some words or choose a filter, then save the search."]


def test_an_anonymous_save_goes_to_sign_in(client):
    response = save(client, "q=cranes", next="/search/?q=cranes")
    assert response["Location"].startswith("/accounts/login/?next=%2Fsearch%2F")
    assert not SavedSearch.objects.exists()
