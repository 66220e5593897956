"""
Reads that span the members models: who the reader is, which membership counts, which
invitation a link names. Writes live in `members.services`; decisions about who may read
what are asked of `members.access`.
"""

import hashlib
from datetime import datetime

from allauth.account.models import EmailAddress
from django.utils import timezone

from members import access
from members.access import Audience, ReaderStatus
from members.caching import account_cached
from members.models import Application, Invitation, User

# The group whose members review applications (members/migrations/0004).
MEMBERSHIP_MANAGERS_GROUP = "Membership managers"


def membership_terms(user) -> list[access.Term]:
    if not user.is_authenticated:
        return []
    return [m.term for m in user.memberships.all()]


def request_reader(user) -> ReaderStatus:
    """
    The reader of a page now: their membership terms from the cache (kept per account,
    forgotten when they change: `members.caching`), their standing worked out from them
    afresh by the access rule, so a membership ending at a moment ends exactly then.
    """
    if not user.is_authenticated:
        return ReaderStatus()
    terms = account_cached("terms", user.pk, lambda: membership_terms(user))
    return access.reader_at(terms, timezone.now())


def reader_status(user, *, at: datetime | None = None) -> ReaderStatus:
    """The reader's audience and lapsed tiers at `at` (now by default), by the access rule."""
    if not user.is_authenticated:
        return ReaderStatus()
    return access.reader_at(membership_terms(user), at or timezone.now())


def audience_for_user(user, *, at: datetime | None = None) -> Audience:
    """The audience a user reads as at `at` (now by default), decided by the access rule."""
    return reader_status(user, at=at).audience


def membership_current(*, memberships, at: datetime | None = None):
    """Among `memberships` (already fetched), the active one that sets the reader's audience."""
    at = at or timezone.now()
    active = [m for m in memberships if m.is_active_at(at)]
    # The highest tier wins; among equals the one that lasts longest (open-ended first).
    return max(
        active,
        key=lambda m: (m.tier, m.ends_at is None, m.ends_at or at),
        default=None,
    )


def membership_upcoming(*, memberships, tier: int, at: datetime | None = None):
    """Among `memberships` (already fetched), the next one of `tier` that has not started."""
    at = at or timezone.now()
    later = [m for m in memberships if m.tier == tier and m.starts_at > at]
    return min(later, key=lambda m: m.starts_at, default=None)


def application_pending_exists(*, user, tier: int) -> bool:
    """Whether `user` has an application for `tier` waiting for review."""
    if not user.is_authenticated:
        return False
    return Application.objects.pending().filter(user=user, tier=tier).exists()


def invitation_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_find(token: str):
    """The invitation a link's token belongs to, whatever its state, or None."""
    if not token or len(token) > 100:
        return None
    return Invitation.objects.filter(token_hash=invitation_token_hash(token)).first()


def user_holds_address(user, email: str) -> bool:
    """Whether `email` is this account's address or one it has verified (any letter case)."""
    if user.email and user.email.lower() == email.lower():
        return True
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


def membership_manager_addresses() -> list[str]:
    """Where notices for membership managers go: the group's active accounts."""
    return list(
        User.objects.filter(groups__name=MEMBERSHIP_MANAGERS_GROUP, is_active=True)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )
