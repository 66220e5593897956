"""
Reads that span the members models: who the reader is, which membership counts, which
invitation a link names. Writes live in `members.services`; decisions about who may read
what are asked of `members.access`.
"""

import hashlib
import time
from datetime import datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db.models import BooleanField, DateTimeField, Value
from django.utils import timezone

from members import access
from members.access import Audience, ReaderStatus
from members.caching import account_cached, prefetched_with_account
from members.models import Application, Invitation, Membership, User

# Read on most signed-in pages: fetched with the account's first read in a request.
prefetched_with_account("standing")

# The invitation a reader opened before signing up or in (members.adapter takes it once
# they are signed in); kept here so that the reader of a page can say "You are invited".
PENDING_INVITATION_SESSION_KEY = "members_pending_invitation"
PENDING_INVITATION_SECONDS = 30 * 60

# The group whose members review applications (members/migrations/0004).
MEMBERSHIP_MANAGERS_GROUP = "Membership managers"


def membership_terms(user) -> list[access.Term]:
    if not user.is_authenticated:
        return []
    return [m.term for m in user.memberships.all()]


def reader_status(user, *, at: datetime | None = None) -> ReaderStatus:
    """The reader's audience and lapsed tiers at `at` (now by default), by the access rule."""
    if not user.is_authenticated:
        return ReaderStatus()
    return access.reader_at(membership_terms(user), at or timezone.now())


def reader_status_with_applications(user, *, at: datetime | None = None) -> ReaderStatus:
    """
    `reader_status`, plus the tiers of the reader's applications waiting for review (what
    their lock cards say), from one query: memberships and pending applications together.
    """
    if not user.is_authenticated:
        return ReaderStatus()
    terms, pending = standing_facts(user)
    return access.reader_at(terms, at or timezone.now(), pending=pending)


def standing_facts(user) -> tuple[list[access.Term], list[int]]:
    """A signed-in reader's membership terms and pending applications' tiers, in one query."""
    memberships = (
        Membership.objects.filter(user=user)
        .order_by()
        .values_list("tier", "starts_at", "ends_at", Value(False, output_field=BooleanField()))
    )
    applications = (
        Application.objects.pending()
        .filter(user=user)
        .order_by()
        .values_list("tier", "created_at", Value(None, output_field=DateTimeField()), Value(True))
    )
    terms, pending = [], []
    for tier, starts_at, ends_at, is_application in memberships.union(applications, all=True):
        if is_application:
            pending.append(tier)
        else:
            terms.append(access.Term(tier=tier, starts_at=starts_at, ends_at=ends_at))
    return terms, pending


def reader_status_for_request(request) -> ReaderStatus:
    """
    The reader of a page: a signed-in reader's memberships and applications, or for an
    anonymous reader the tier of an invitation opened in this browser and not yet taken.
    A signed-in reader's facts are kept in the cache per account (forgotten when a
    membership, a seat or an application changes: `members.caching`); their standing is
    worked out from them afresh by the access rule, so a membership ending at a moment
    ends exactly then.
    """
    user = request.user
    if user.is_authenticated:
        terms, pending = account_cached("standing", user.pk, lambda: standing_facts(user))
        return access.reader_at(terms, timezone.now(), pending=pending)
    invited = invitation_opened_tier(request)
    return ReaderStatus(invited=frozenset({invited})) if invited is not None else ReaderStatus()


def invitation_opened_tier(request) -> Audience | None:
    """
    The tier of an invitation opened in this browser within the last half hour, read from
    the session only if the browser has one (a reader without a cookie costs nothing).
    """
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return None
    opened = request.session.get(PENDING_INVITATION_SESSION_KEY)
    if not isinstance(opened, dict) or "tier" not in opened:
        return None
    if time.time() - opened.get("at", 0) > PENDING_INVITATION_SECONDS:
        return None
    try:
        tier = Audience(opened["tier"])
    except ValueError:
        return None
    return tier if tier in access.TIERS else None


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
