"""The delivery writes and reads behind the pages, and what the other channels reuse."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import QueryDict

from briefings.forms import SearchForm
from delivery import selectors, services
from delivery.models import DeliveryPreference, Follow, SavedSearch, Suppression
from delivery.searches import normalised_query, readable_name
from delivery.selectors import FollowTarget
from delivery.tokens import SCOPE_PREFERENCES, BadToken, link_token
from tests.factories import CategoryFactory, RegionFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db


def miss_once(monkeypatch, method: str, model):
    """The next `method` on `model`'s querysets misses, as if another request's row had
    been written just after it looked: the write then meets the unique constraint."""
    original = getattr(QuerySet, method)
    missed = []

    def once(self, *args, **kwargs):
        if self.model is model and not missed:
            missed.append(True)
            if method == "get":
                raise model.DoesNotExist
            return None
        return original(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, method, once)
    return missed


# --- Follows ---------------------------------------------------------------------------


def test_follow_add_is_idempotent_even_when_two_requests_race(monkeypatch):
    user, category = UserFactory(), CategoryFactory()
    follow, created = services.follow_add(user=user, term=category)
    assert created and follow.kind == "category" and follow.target == category
    missed = miss_once(monkeypatch, "get", Follow)
    again, created = services.follow_add(user=user, term=category)
    assert missed and (again, created) == (follow, False)
    assert Follow.objects.count() == 1


def test_follow_remove_removes_only_that_members_follow():
    user, other, region = UserFactory(), UserFactory(), RegionFactory()
    for someone in (user, other):
        services.follow_add(user=someone, term=region)
    assert services.follow_remove(user=user, term=region) is True
    assert services.follow_remove(user=user, term=region) is False
    assert list(Follow.objects.values_list("user", flat=True)) == [other.pk]


def test_only_categories_regions_and_topics_can_be_followed():
    with pytest.raises(ValueError, match="cannot be followed"):
        services.follow_add(user=UserFactory(), term=UserFactory())


def test_followed_targets_is_one_query_for_a_member_and_none_for_anyone_else(
    django_assert_num_queries,
):
    user, category, topic = UserFactory(), CategoryFactory(), TopicFactory()
    services.follow_add(user=user, term=topic)
    targets = [selectors.target_of(category), selectors.target_of(topic)]
    with django_assert_num_queries(1):
        assert selectors.followed_targets(user, targets) == {("topic", topic.pk)}
    with django_assert_num_queries(0):
        assert selectors.followed_targets(AnonymousUser(), targets) == set()
        assert selectors.followed_targets(user, []) == set()


def test_a_target_is_labelled_by_its_kind():
    assert FollowTarget(kind="region", id=1, name="Nordics").label == "Region"


# --- Saved searches ----------------------------------------------------------------------


def test_a_search_is_normalised_to_what_the_search_page_applies():
    category = CategoryFactory(name="Cloud infrastructure")
    params = QueryDict(
        f"page=4&q=first-value&topic=&category={category.slug}&impact=high&kind=nonsense"
        "&confidence_min=60&utm_source=mail&q=+cranes+"
    )
    assert normalised_query(params) == (
        f"category={category.slug}&confidence_min=60&impact=high&q=cranes"
    )
    assert normalised_query(QueryDict("page=2&q=")) == ""


def test_a_saved_search_has_a_readable_name():
    category = CategoryFactory(name="Cloud infrastructure")
    query = f"category={category.slug}&confidence_max=80&confidence_min=60&impact=high&q=cranes"
    assert readable_name(query) == (
        "“cranes” · Category: Cloud infrastructure · Impact: High · Confidence: from 60% · "
        "Confidence: up to 80%"
    )
    assert readable_name("kind=signal-brief") == "Kind: Signal briefing"


def test_saved_search_params_rerun_the_same_search():
    category = CategoryFactory()
    saved, created = services.saved_search_add(
        user=UserFactory(), params=QueryDict(f"q=cranes&category={category.slug}&page=2")
    )
    assert created
    params = selectors.saved_search_params(saved)
    form = SearchForm(params)
    assert form.is_valid()
    assert form.cleaned_data["q"] == "cranes" and form.facets() == {"category": category.slug}


def test_saving_the_same_search_twice_even_racing_is_one_alert(monkeypatch):
    user = UserFactory()
    saved, _ = services.saved_search_add(user=user, params=QueryDict("q=cranes"))
    missed = miss_once(monkeypatch, "first", SavedSearch)
    again, created = services.saved_search_add(user=user, params=QueryDict("q=cranes&page=3"))
    assert missed and (again, created) == (saved, False)
    assert SavedSearch.objects.count() == 1


def test_a_member_has_at_most_so_many_saved_searches(monkeypatch):
    monkeypatch.setattr(services, "MAX_SAVED_SEARCHES", 2)
    user = UserFactory()
    for words in ("one", "two"):
        services.saved_search_add(user=user, params=QueryDict(f"q={words}"))
    with pytest.raises(services.DeliveryError, match="2 saved searches, the most we keep"):
        services.saved_search_add(user=user, params=QueryDict("q=three"))
    # Saving one they already have is still fine.
    assert services.saved_search_add(user=user, params=QueryDict("q=two"))[1] is False


def test_a_search_too_long_to_keep_is_refused():
    with pytest.raises(services.DeliveryError, match="too long"):
        services.saved_search_add(user=UserFactory(), params=QueryDict("q=" + "数" * 190))
    assert not SavedSearch.objects.exists()


def test_removing_a_saved_search_returns_it_and_only_the_owners():
    user = UserFactory()
    saved, _ = services.saved_search_add(user=user, params=QueryDict("q=cranes"))
    assert services.saved_search_remove(user=UserFactory(), saved_search_id=saved.pk) is None
    assert services.saved_search_remove(user=user, saved_search_id=saved.pk) == saved
    assert not SavedSearch.objects.exists()


# --- Preferences and the switch ----------------------------------------------------------


def test_preference_update_validates_and_writes():
    user = UserFactory()
    values = {"cadence": "each", "digest_hour": 23, "digest_weekday": 6, "timezone": "Europe/Oslo"}
    saved = services.preference_update(user=user, **values)
    assert (saved.cadence, saved.digest_hour, saved.timezone) == ("each", 23, "Europe/Oslo")
    with pytest.raises(ValidationError):
        services.preference_update(user=user, **{**values, "timezone": "Nowhere/Special"})
    with pytest.raises(ValidationError):
        services.preference_update(user=user, **{**values, "digest_hour": 24})
    assert selectors.preference_for(user).timezone == "Europe/Oslo"


def test_preference_for_an_account_without_a_row_is_the_default():
    user = UserFactory()
    user.delivery_preference.delete()
    preference = selectors.preference_for(user)
    assert preference._state.adding and preference.cadence == "weekly"
    assert not DeliveryPreference.objects.filter(user=user).exists()  # a read writes nothing


def test_email_switch_off_keeps_an_existing_reason_and_on_removes_any():
    user = UserFactory(email="Someone@Example.org")
    Suppression.objects.create(address="someone@example.org", reason="complained")
    assert services.email_switch_off(user=user).reason == "complained"
    assert Suppression.objects.count() == 1
    removed = services.email_switch_on(user=user)
    assert removed.reason == "complained" and not Suppression.objects.exists()
    assert services.email_switch_on(user=user) is None
    assert services.email_switch_off(user=user).reason == "unsubscribed"
    assert selectors.suppression_for(user).address == "someone@example.org"


def test_an_account_without_an_address_cannot_be_switched_off():
    with pytest.raises(services.DeliveryError):
        services.email_switch_off(user=UserFactory(email=""))


# --- Links from e-mails --------------------------------------------------------------------


def test_a_link_names_its_member_only_while_the_account_is_active():
    user = UserFactory()
    token = link_token(user, SCOPE_PREFERENCES)
    assert selectors.member_for_token(token, scope=SCOPE_PREFERENCES) == user
    user.is_active = False
    user.save()
    with pytest.raises(BadToken):
        selectors.member_for_token(token, scope=SCOPE_PREFERENCES)
