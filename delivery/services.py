"""
Writes for what members receive: follows, saved searches, delivery preferences and the
global e-mail switch. Keyword-only `noun_verb` functions, as in `members.services`, so the
site's pages and the links in e-mails change state the same way. Each is idempotent:
following twice is one follow, turning e-mail off twice is one suppression, and two
requests racing each other end in the same single row (the database's unique constraints
decide; the loser reads the winner's row).
"""

from django.db import IntegrityError, transaction
from django.http import QueryDict

from delivery.models import DeliveryPreference, Follow, SavedSearch, Suppression
from delivery.searches import QUERY_MAX_LENGTH, normalised_query, readable_name
from delivery.selectors import email_address_of, target_of

# Enough for anyone's real alerts, and a bound on what one account can store.
MAX_SAVED_SEARCHES = 50


class DeliveryError(Exception):
    """A request these rules refuse; the message is written for the member."""


# Follows ------------------------------------------------------------------------------


def follow_add(*, user, term) -> tuple[Follow, bool]:
    """`user` follows `term` (a Category, Region or Topic); (the follow, whether it is new)."""
    target = target_of(term)
    # get_or_create reads again when a concurrent request's insert wins the unique index.
    return Follow.objects.get_or_create(user=user, **{target.kind: term})


def follow_remove(*, user, term) -> bool:
    """`user` stops following `term`; False when they were not following it."""
    target = target_of(term)
    deleted, _ = Follow.objects.filter(user=user, **{target.kind: term}).delete()
    return bool(deleted)


# Saved searches -----------------------------------------------------------------------


def saved_search_add(*, user, params: QueryDict) -> tuple[SavedSearch, bool]:
    """
    Saves the search `params` describe (the search page's query) as an alert for `user`:
    (the alert, whether it is new). Raises DeliveryError for a search with nothing in it,
    one too long to keep, or when the member already has MAX_SAVED_SEARCHES alerts.
    """
    query = normalised_query(params)
    if not query:
        raise DeliveryError("Type some words or choose a filter, then save the search.")
    if len(query) > QUERY_MAX_LENGTH:
        raise DeliveryError("This search is too long to save as an alert. Try fewer words.")
    existing = SavedSearch.objects.filter(user=user, query_string=query).first()
    if existing is not None:
        return existing, False
    if SavedSearch.objects.filter(user=user).count() >= MAX_SAVED_SEARCHES:
        raise DeliveryError(
            f"You have {MAX_SAVED_SEARCHES} saved searches, the most we keep. "
            "Remove one on the E-mail and alerts page first."
        )
    try:
        with transaction.atomic():
            saved = SavedSearch.objects.create(
                user=user, query_string=query, name=readable_name(query)
            )
    except IntegrityError:  # the same search saved by a request running alongside
        return SavedSearch.objects.get(user=user, query_string=query), False
    return saved, True


def saved_search_remove(*, user, saved_search_id: int) -> SavedSearch | None:
    """Removes one of `user`'s alerts; returns it (for its name), or None if it was not theirs."""
    saved = SavedSearch.objects.filter(user=user, pk=saved_search_id).first()
    if saved is not None:
        SavedSearch.objects.filter(pk=saved.pk).delete()
    return saved


# Preferences and the global switch ----------------------------------------------------


def preference_update(
    *, user, cadence: str, digest_hour: int, digest_weekday: int, timezone: str
) -> DeliveryPreference:
    """How and when `user` hears about new briefings. Raises ValidationError for bad values."""
    values = {
        "cadence": cadence,
        "digest_hour": digest_hour,
        "digest_weekday": digest_weekday,
        "timezone": timezone,
    }
    DeliveryPreference(user=user, **values).full_clean(exclude=["user"], validate_unique=False)
    preference, _ = DeliveryPreference.objects.update_or_create(user=user, defaults=values)
    return preference


def email_switch_off(*, user) -> Suppression:
    """
    No briefing, alert or digest e-mail goes to `user`'s address any more: a suppression
    with reason "unsubscribed". An address already suppressed (it bounced, say) keeps its
    row and its reason.
    """
    address = email_address_of(user)
    if not address:
        raise DeliveryError("Your account has no e-mail address to turn off.")
    suppression, _ = Suppression.objects.get_or_create(
        address=address,
        defaults={
            "reason": Suppression.Reason.UNSUBSCRIBED,
            "detail": "Turned off by the member on the E-mail and alerts page.",
        },
    )
    return suppression


def email_switch_on(*, user) -> Suppression | None:
    """
    Briefing e-mail goes to `user`'s address again: their suppression is removed, whatever
    its reason. Returns the row removed (to say why it was there), or None if there was none.
    """
    address = email_address_of(user)
    suppression = Suppression.objects.filter(address=address).first() if address else None
    if suppression is not None:
        Suppression.objects.filter(pk=suppression.pk).delete()
    return suppression
