"""Writes and reads that span the members models."""

from datetime import datetime

from django.utils import timezone

from members import access
from members.access import Audience


def membership_terms(user) -> list[access.Term]:
    if not user.is_authenticated:
        return []
    return [m.term for m in user.memberships.all()]


def audience_for_user(user, *, at: datetime | None = None) -> Audience:
    """The audience a user reads as at `at` (now by default), decided by the access rule."""
    if not user.is_authenticated:
        return Audience.PUBLIC
    return access.audience_at(membership_terms(user), at or timezone.now())
