"""
Reads for the delivery pages: what a member follows, their saved searches, their
preferences and whether their address is suppressed; and who a link from an e-mail is for.
Writes live in `delivery.services`.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.http import QueryDict

from briefings.models import Category, Region, Topic
from config.caching import digest
from delivery.models import DeliveryPreference, Follow, SavedSearch, Suppression
from delivery.tokens import BadToken, link_claim
from members.caching import account_cached, prefetched_with_account

# Read on most signed-in pages: fetched with the account's first read in a request.
prefetched_with_account("follows")

# What a member may follow, by the name a Follow gives it.
TARGET_MODELS = {"category": Category, "region": Region, "topic": Topic}


@dataclass(frozen=True)
class FollowTarget:
    """A category, region or topic as a follow button shows it."""

    kind: str
    id: int
    name: str

    @property
    def label(self) -> str:
        return TARGET_MODELS[self.kind]._meta.verbose_name.capitalize()


def target_of(term) -> FollowTarget:
    """The follow target for a Category, Region or Topic."""
    kind = term._meta.model_name
    if kind not in TARGET_MODELS:
        raise ValueError(f"{term!r} cannot be followed.")
    return FollowTarget(kind=kind, id=term.pk, name=term.name)


def followed_targets(user, targets: Iterable[FollowTarget]) -> set[tuple[str, int]]:
    """
    Which of `targets` `user` follows, as (kind, id) pairs. Everything a signed-in member
    follows is kept in the cache per account (forgotten when a follow changes:
    `delivery.signals`): one query when it is not there, none when it is or for anyone
    else.
    """
    targets = list(targets)
    if not targets or not getattr(user, "is_authenticated", False):
        return set()
    followed = account_cached("follows", user.pk, lambda: followed_pairs(user))
    return {(target.kind, target.id) for target in targets} & followed


def followed_pairs(user) -> frozenset[tuple[str, int]]:
    """Everything `user` follows, as (kind, id) pairs."""
    return frozenset(
        (kind, pk)
        for row in Follow.objects.filter(user=user).values(*Follow.TARGETS)
        for kind, pk in row.items()
        if pk is not None
    )


def follows_on_reader_pages(request) -> str:
    """
    What a reader page shows of the account's follows (its follow buttons and panel say
    "Following"), for the key of a page kept whole (`briefings.signed_pages`): all of
    them, so two accounts share a page only when they follow the same terms.
    """
    user = request.user
    followed = account_cached("follows", user.pk, lambda: followed_pairs(user))
    return digest(*sorted(followed))


def follows_of(user) -> list[Follow]:
    return list(Follow.objects.filter(user=user).select_related(*Follow.TARGETS))


def saved_searches_of(user) -> list[SavedSearch]:
    return list(SavedSearch.objects.filter(user=user))


def saved_search_params(saved_search: SavedSearch) -> QueryDict:
    """The search an alert saved, as the search page reads it (`SearchForm(params)`)."""
    return QueryDict(saved_search.query_string)


def preference_for(user) -> DeliveryPreference:
    """The member's preferences; the defaults (unsaved) for an account that has none yet."""
    try:
        return DeliveryPreference.objects.get(user=user)
    except DeliveryPreference.DoesNotExist:
        return DeliveryPreference(user=user)


def email_address_of(user) -> str:
    """The address suppressions name for this member (they are stored lower-cased)."""
    return (user.email or "").strip().lower()


def suppression_for(user) -> Suppression | None:
    """Why no briefing e-mail goes to this member's address, or None when e-mail is on."""
    address = email_address_of(user)
    return Suppression.objects.filter(address=address).first() if address else None


def member_for_token(token: str, *, scope: str):
    """
    The account a link from an e-mail is for, when the link may do `scope`. Raises
    `BadToken` (its message written for the page) for a forged, expired or outdated link,
    and for one made for something else.
    """

    def active_user(pk: int):
        return get_user_model().objects.filter(pk=pk, is_active=True).first()

    claim, user = link_claim(token, user_lookup=active_user)
    if claim.scope != scope:
        raise BadToken("This link is not one for changing e-mail preferences.")
    return user
