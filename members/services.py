"""Writes and reads that span the members models."""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from members import access
from members.access import Audience


@dataclass(frozen=True)
class ReaderStatus:
    """Everything pages need to know about the reader, from one query at most."""

    audience: Audience = Audience.PUBLIC
    is_authenticated: bool = False
    lapsed: frozenset[Audience] = field(default_factory=frozenset)


def membership_terms(user) -> list[access.Term]:
    if not user.is_authenticated:
        return []
    return [m.term for m in user.memberships.all()]


def reader_status(user, *, at: datetime | None = None) -> ReaderStatus:
    """The reader's audience and lapsed tiers at `at` (now by default), by the access rule."""
    if not user.is_authenticated:
        return ReaderStatus()
    terms = membership_terms(user)
    at = at or timezone.now()
    return ReaderStatus(
        audience=access.audience_at(terms, at),
        is_authenticated=True,
        lapsed=frozenset(access.lapsed_tiers(terms, at)),
    )


def audience_for_user(user, *, at: datetime | None = None) -> Audience:
    """The audience a user reads as at `at` (now by default), decided by the access rule."""
    return reader_status(user, at=at).audience
