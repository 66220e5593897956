"""
Private feeds: a member's own RSS/Atom address, carrying what their e-mails carry.

The address holds a random token (`secrets.token_urlsafe`) that is shown to the member
once; only its SHA-256 is stored, and a feed is found by that hash. Revoking a feed, the
account being deactivated or deleted, cuts it off on the next request: nothing about a
feed is cached. Reads of a feed stamp `last_used_at` at most once an hour, so a feed
reader polling every minute does not write on every request.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from delivery.models import PrivateFeed

# A member may keep this many feeds at once (one per feed reader or device, say).
MAX_ACTIVE_FEEDS = 5
# `last_used_at` is this precise, and a feed read costs a write at most this often.
LAST_USED_PRECISION = timedelta(hours=1)
# token_urlsafe(32) is 43 characters; anything much longer is not one of ours, and is
# refused before it is hashed or looked up.
TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 64


class FeedLimitReached(Exception):
    """The member already has MAX_ACTIVE_FEEDS active feeds."""


@dataclass(frozen=True)
class NewFeed:
    """A feed just created, with its token: the only time the token exists in the clear."""

    feed: PrivateFeed
    token: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def active_feeds(user):
    return PrivateFeed.objects.filter(user=user, revoked_at__isnull=True)


def private_feed_create(*, user) -> NewFeed:
    """A new feed for `user`; raises FeedLimitReached when they have enough already."""
    with transaction.atomic():
        # One at a time per member, so two clicks at once cannot pass the limit together.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        if active_feeds(user).count() >= MAX_ACTIVE_FEEDS:
            raise FeedLimitReached
        token = secrets.token_urlsafe(TOKEN_BYTES)
        feed = PrivateFeed.objects.create(user=user, token_hash=token_hash(token))
    return NewFeed(feed=feed, token=token)


def private_feed_revoke(*, user, feed_id) -> bool:
    """Revoke `user`'s feed `feed_id`; False when there is no such active feed of theirs."""
    return bool(
        active_feeds(user).filter(pk=feed_id).update(revoked_at=timezone.now()),
    )


def private_feed_find(token: str) -> PrivateFeed | None:
    """
    The active feed `token` opens, with its user and their memberships, or None: for a
    token that is forged, malformed, revoked, or whose account is no longer active.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        return None
    feed = (
        PrivateFeed.objects.filter(token_hash=token_hash(token), revoked_at__isnull=True)
        .select_related("user")
        .prefetch_related("user__memberships")
        .first()
    )
    if feed is None or not feed.user.is_active:
        return None
    return feed


def private_feed_mark_used(feed: PrivateFeed, *, at=None) -> None:
    """Stamp `last_used_at`, unless it was stamped within LAST_USED_PRECISION."""
    at = at or timezone.now()
    stale = at - LAST_USED_PRECISION
    if feed.last_used_at is not None and feed.last_used_at > stale:
        return
    # Conditional, so two readers polling at once write once between them.
    PrivateFeed.objects.filter(pk=feed.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale)
    ).update(last_used_at=at)
    feed.last_used_at = at
