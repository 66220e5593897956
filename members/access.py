"""
Who may see what: the one place that decides.

Audiences are ordered: public < Strategic Circle < Leadership Alliance. Every part of a
briefing that an editor can gate carries a minimum audience, and a reader sees the part
when their audience reaches it. Everything here takes plain values and answers, so it is
tested without a database; views, templates (through what views hand them), feeds,
search, e-mail and exports all ask these functions and never compare tiers themselves.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from enum import StrEnum

from django.db import models


class Audience(models.IntegerChoices):
    PUBLIC = 0, "Public"
    STRATEGIC_CIRCLE = 1, "Strategic Circle"
    LEADERSHIP_ALLIANCE = 2, "Leadership Alliance"

    @property
    def slug(self) -> str:
        return self.name.lower().replace("_", "-")

    @classmethod
    def from_slug(cls, slug: str) -> "Audience":
        """The audience named by `public`, `strategic-circle` or `leadership-alliance`."""
        normalised = slug.strip().lower().replace("_", "-")
        for audience in cls:
            if audience.slug == normalised:
                return audience
        names = ", ".join(audience.slug for audience in cls)
        raise ValueError(f"unknown audience {slug!r}; expected one of: {names}")


# Audiences that are membership tiers (a reader can hold them), lowest first.
TIERS: tuple[Audience, ...] = (Audience.STRATEGIC_CIRCLE, Audience.LEADERSHIP_ALLIANCE)

# The choices of every model field that holds a tier.
TIER_CHOICES: list[tuple[int, str]] = [(tier.value, tier.label) for tier in TIERS]

# Tiers any reader may join by signing up; the others are granted by the publisher
# (an approved application, an invitation, or a complimentary grant).
OPEN_TIERS: tuple[Audience, ...] = (Audience.STRATEGIC_CIRCLE,)

# The tier a verified e-mail address grants.
SIGNUP_TIER = Audience.STRATEGIC_CIRCLE

# The tier readers apply for (an application's tier unless a manager says otherwise).
APPLICATION_TIER = Audience.LEADERSHIP_ALLIANCE

# A source note's audience is fixed by the product: notes are Leadership Alliance only.
SOURCE_NOTE_AUDIENCE = Audience.LEADERSHIP_ALLIANCE


def can_read(audience: int, required: int) -> bool:
    """Whether a reader with `audience` may read a part whose minimum is `required`."""
    return Audience(audience) >= Audience(required)


def is_gated(required: int) -> bool:
    """Whether a part with minimum audience `required` is closed to anonymous readers."""
    return not can_read(Audience.PUBLIC, required)


def gated_audiences() -> list[Audience]:
    """Every part audience that anonymous readers may not read, for query filters."""
    return [part for part in Audience if is_gated(part)]


def is_member_audience(audience: int) -> bool:
    """Whether a reader with `audience` holds a tier (and so is signed in)."""
    return is_gated(audience)


def readable_audiences(audience: int) -> list[Audience]:
    """Every part audience that a reader with `audience` may read, for query filters."""
    return [part for part in Audience if can_read(audience, part)]


def tiers_reaching(tier: int) -> list[Audience]:
    """The tiers whose members read everything `tier` unlocks (`tier` and above), lowest first."""
    return [held for held in TIERS if can_read(held, tier)]


def briefing_gated_audiences(sectioned_tiers, *, has_source_notes: bool) -> set[Audience]:
    """
    The audiences of a briefing's gated parts: the tiers it has sections at, and the
    source notes' audience when any of its citations carries a note.
    """
    gated = {Audience(tier) for tier in sectioned_tiers}
    if has_source_notes:
        gated.add(SOURCE_NOTE_AUDIENCE)
    return gated


def can_read_source_notes(audience: int) -> bool:
    return can_read(audience, SOURCE_NOTE_AUDIENCE)


def is_active(starts_at: datetime, ends_at: datetime | None, at: datetime) -> bool:
    """A membership counts from its start (inclusive) until its end (exclusive)."""
    return starts_at <= at and (ends_at is None or at < ends_at)


@dataclass(frozen=True)
class Term:
    """The plain facts of one membership that the access rule needs."""

    tier: int
    starts_at: datetime
    ends_at: datetime | None


def audience_at(terms: Iterable[Term], at: datetime) -> Audience:
    """The highest tier among the memberships active at `at`; public when none is."""
    active = [Audience(t.tier) for t in terms if is_active(t.starts_at, t.ends_at, at)]
    return max(active, default=Audience.PUBLIC)


def upcoming_tier(terms: Iterable[Term], tier: int, at: datetime) -> bool:
    """Whether the reader has a membership of exactly `tier` that starts after `at`."""
    return any(Audience(t.tier) == Audience(tier) and t.starts_at > at for t in terms)


def lapsed_tiers(terms: Iterable[Term], at: datetime) -> set[Audience]:
    """Tiers the reader held once but holds no longer (ended, not merely not started)."""
    terms = list(terms)
    current = audience_at(terms, at)
    return {
        Audience(t.tier)
        for t in terms
        if t.ends_at is not None and t.ends_at <= at and Audience(t.tier) > current
    }


def _key_part(value) -> str:
    """A stable spelling of one reader fact: sets sorted, enums by their value."""
    if isinstance(value, (set, frozenset)):
        return "{" + ",".join(sorted(_key_part(item) for item in value)) + "}"
    if isinstance(value, (tuple, list)):
        return "(" + ",".join(_key_part(item) for item in value) + ")"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(int(value))
    return repr(value)


@dataclass(frozen=True)
class ReaderStatus:
    """Everything pages need to know about the reader, from one query at most."""

    audience: Audience = Audience.PUBLIC
    is_authenticated: bool = False
    lapsed: frozenset[Audience] = field(default_factory=frozenset)
    # Tiers the reader has applied for, the applications waiting for review.
    pending: frozenset[Audience] = field(default_factory=frozenset)
    # Tiers whose invitation this browser opened and has yet to accept (signed out).
    invited: frozenset[Audience] = field(default_factory=frozenset)

    def cache_key(self) -> str:
        """
        A digest of every field, named: whatever is added to the reader is in the key of
        anything cached per reader, so two readers who may see different pages never
        share one.
        """
        facts = "\x1f".join(f"{f.name}={_key_part(getattr(self, f.name))}" for f in fields(self))
        return hashlib.blake2b(facts.encode(), digest_size=16).hexdigest()


def reader_at(terms: Iterable[Term], at: datetime, *, pending: Iterable[int] = ()) -> ReaderStatus:
    """
    A signed-in reader's status at `at`, from the plain facts of their memberships and
    the tiers of their applications waiting for review (`pending`).
    """
    terms = list(terms)
    audience = audience_at(terms, at)
    return ReaderStatus(
        audience=audience,
        is_authenticated=True,
        lapsed=frozenset(lapsed_tiers(terms, at)),
        # An application for a tier the reader reads already changes nothing on a page.
        pending=frozenset(Audience(t) for t in pending if not can_read(audience, t)),
    )


def tiers_that_unlock(audience: int, gated: Iterable[int]) -> list[Audience]:
    """
    The tiers above the reader's audience that would let them read more of a page whose
    gated parts have the audiences in `gated`, lowest first: one lock card each.
    """
    missing = {Audience(required) for required in gated if not can_read(audience, required)}
    return [tier for tier in TIERS if any(can_read(tier, required) for required in missing)]


class LockAction(StrEnum):
    """What a lock card asks this reader to do to reach a tier."""

    JOIN = "join"  # an open tier: sign up free (or, signed in, verify the address)
    APPLY = "apply"  # a tier the publisher grants: apply (signing up first if need be)
    RENEW = "renew"  # held the tier once and it lapsed: apply again
    PENDING = "pending"  # an application for it is waiting for review: nothing to do
    ACCEPT = "accept"  # an invitation to it was opened in this browser: accept it


def lock_action(
    tier: int,
    *,
    is_authenticated: bool,
    lapsed: Iterable[int] = (),
    pending: Iterable[int] = (),
    invited: Iterable[int] = (),
) -> LockAction:
    """The right call to action on the lock card for `tier`, for this reader."""
    tier = Audience(tier)
    if tier in {Audience(t) for t in pending}:
        return LockAction.PENDING
    if tier in {Audience(t) for t in invited}:
        return LockAction.ACCEPT
    if tier in {Audience(t) for t in lapsed}:
        return LockAction.RENEW
    if tier in OPEN_TIERS:
        # An open tier is open to all readers, signed in or not.
        return LockAction.JOIN
    return LockAction.APPLY


def reader_lock_action(tier: int, reader: "ReaderStatus") -> LockAction:
    """`lock_action` for a whole reader: the one call pages make."""
    return lock_action(
        tier,
        is_authenticated=reader.is_authenticated,
        lapsed=reader.lapsed,
        pending=reader.pending,
        invited=reader.invited,
    )


class CardAccess(StrEnum):
    """What a briefing's card says to this reader about its member parts."""

    NONE = "none"  # no member parts: nothing to say
    LOCKED = "locked"  # member parts, none of which the reader reads
    PARTLY = "partly"  # the reader reads some member parts, not all
    UNLOCKED = "unlocked"  # the reader reads every member part


def card_access(audience: int, gated: Iterable[int]) -> CardAccess:
    """Whether a reader with `audience` opens the member parts (audiences `gated`) of a briefing."""
    gated = {Audience(part) for part in gated if is_gated(part)}
    if not gated:
        return CardAccess.NONE
    readable = {part for part in gated if can_read(audience, part)}
    if readable == gated:
        return CardAccess.UNLOCKED
    return CardAccess.PARTLY if readable else CardAccess.LOCKED


def preview_audience(requested: str | None, *, may_preview: bool, default: int) -> Audience:
    """
    The audience a page is rendered for. Staff with the preview permission may ask for
    any audience by its slug; everyone else always gets their own.
    """
    if not may_preview or not requested:
        return Audience(default)
    try:
        return Audience.from_slug(requested)
    except ValueError:
        return Audience(default)


def permission_codename(tier: int) -> str:
    """The codename of the `members.read_<tier>` permission that stands for `tier`."""
    return f"read_{Audience(tier).slug.replace('-', '_')}"


def reading_permissions() -> list[tuple[str, str]]:
    """The reading permissions (codename, name) of every tier, for `User.Meta.permissions`."""
    return [(permission_codename(tier), f"Can read {tier.label} parts") for tier in TIERS]


def permission_audience(codename: str) -> Audience | None:
    """
    The audience a `members.read_<tier>` permission stands for, so `user.has_perm`
    answers the same question the pages do. None for any other permission.
    """
    for tier in TIERS:
        if codename == permission_codename(tier):
            return tier
    return None


def joins_by_application(tier: int) -> bool:
    """Whether a reader reaches `tier` by applying (rather than by signing up)."""
    return Audience(tier) in TIERS and Audience(tier) not in OPEN_TIERS


class TierStanding(StrEnum):
    """Where a reader stands towards one tier, for its page and the account page."""

    MEMBER = "member"  # the reader's audience reaches the tier now
    RENEWABLE = "renewable"  # a member whose membership of the tier ends soon
    PENDING = "pending"  # an application for it is waiting for review
    UPCOMING = "upcoming"  # granted, starting later
    LAPSED = "lapsed"  # held it once, no longer
    OPEN = "open"  # may join or apply


# A member may apply to renew this long before their membership of a tier ends.
RENEWAL_WINDOW = timedelta(days=30)


def ends_soon(ends_at: datetime | None, at: datetime) -> bool:
    """Whether a membership ending at `ends_at` is within the renewal window at `at`."""
    return ends_at is not None and at < ends_at <= at + RENEWAL_WINDOW


def covered_until(terms: Iterable[Term], tier: int, at: datetime) -> datetime | None:
    """
    Until when memberships of exactly `tier` cover the reader without a gap, starting at
    `at` (a renewal that starts as the current membership ends continues it). None when
    the cover has no end; `at` itself when nothing covers them now.
    """
    terms = [t for t in terms if Audience(t.tier) == Audience(tier)]
    until = at
    extended = True
    while extended:
        extended = False
        for t in terms:
            if t.starts_at <= until and (t.ends_at is None or t.ends_at > until):
                if t.ends_at is None:
                    return None
                until, extended = t.ends_at, True
    return until


def tier_standing(
    tier: int,
    *,
    audience: int,
    lapsed: Iterable[int] = (),
    has_pending_application: bool = False,
    ending_soon: bool = False,
    upcoming: bool = False,
) -> TierStanding:
    if can_read(audience, tier) and not (ending_soon and joins_by_application(tier)):
        return TierStanding.MEMBER
    if has_pending_application:
        return TierStanding.PENDING
    if can_read(audience, tier):
        # A member near the end may renew even with a later membership after a gap.
        return TierStanding.RENEWABLE
    if upcoming:
        return TierStanding.UPCOMING
    if Audience(tier) in {Audience(t) for t in lapsed}:
        return TierStanding.LAPSED
    return TierStanding.OPEN


def may_apply(tier: int, *, is_authenticated: bool, standing: TierStanding) -> bool:
    """A signed-in reader applies for a publisher-granted tier they neither hold nor await."""
    return (
        is_authenticated
        and joins_by_application(tier)
        and standing in {TierStanding.OPEN, TierStanding.LAPSED, TierStanding.RENEWABLE}
    )


@dataclass(frozen=True)
class TierPosition:
    """Where a reader stands towards one tier, and what follows from it for them."""

    tier: Audience
    standing: TierStanding
    may_apply: bool

    @property
    def is_member(self) -> bool:
        """A member with nothing to do: not ending soon (or nothing to renew by applying)."""
        return self.standing == TierStanding.MEMBER

    @property
    def reads_tier(self) -> bool:
        """Whether the reader reads everything the tier unlocks now (ending soon or not)."""
        return self.standing in {TierStanding.MEMBER, TierStanding.RENEWABLE}

    @property
    def is_renewable(self) -> bool:
        return self.standing == TierStanding.RENEWABLE

    @property
    def is_pending(self) -> bool:
        return self.standing == TierStanding.PENDING

    @property
    def is_upcoming(self) -> bool:
        return self.standing == TierStanding.UPCOMING

    @property
    def is_lapsed(self) -> bool:
        return self.standing == TierStanding.LAPSED

    @property
    def may_renew(self) -> bool:
        """Whether applying would renew a membership (ending soon or lapsed)."""
        return self.standing in {TierStanding.RENEWABLE, TierStanding.LAPSED}


def tier_position(
    tier: int,
    *,
    terms: Iterable[Term],
    at: datetime,
    is_authenticated: bool = True,
    has_pending_application: bool = False,
) -> TierPosition:
    """
    The one answer to "where does this reader stand towards `tier`": the tier's page, the
    account page and the application all ask it. A membership of the tier ending soon
    counts renewals that carry on from it; one granted to start later is upcoming.
    """
    terms = list(terms)
    tier = Audience(tier)
    standing = tier_standing(
        tier,
        audience=audience_at(terms, at),
        lapsed=lapsed_tiers(terms, at),
        has_pending_application=has_pending_application,
        ending_soon=ends_soon(covered_until(terms, tier, at), at),
        upcoming=upcoming_tier(terms, tier, at),
    )
    return TierPosition(
        tier=tier,
        standing=standing,
        may_apply=may_apply(tier, is_authenticated=is_authenticated, standing=standing),
    )


# Search keeps one precomputed document per audience, each holding exactly the parts that
# audience may read, so matching and snippets can never reach past the reader's audience.
SEARCH_DOCUMENT_AUDIENCES: tuple[Audience, ...] = tuple(Audience)


def search_document_audience(audience: int) -> Audience:
    """The search document (matching and snippets) that a reader with `audience` may use."""
    return max(doc for doc in SEARCH_DOCUMENT_AUDIENCES if can_read(audience, doc))


def is_accessible_for_free(part_audiences: Iterable[int]) -> bool:
    """Whether an anonymous reader may read every part (schema.org isAccessibleForFree)."""
    return all(can_read(Audience.PUBLIC, part) for part in part_audiences)


def gated_parts_shown(audience: int, part_audiences: Iterable[int]) -> list[Audience]:
    """The gated (non-public) part audiences that a reader with `audience` is shown."""
    return sorted(
        {
            Audience(part)
            for part in part_audiences
            if not can_read(Audience.PUBLIC, part) and can_read(audience, part)
        }
    )


def gated_parts_rendered(
    rendered: Iterable[int], *, source_notes_rendered: bool = False
) -> list[int]:
    """
    The gated part audiences a page shows, for its structured data, from the audiences of
    the parts it rendered (plus the source note audience when it rendered notes).
    """
    shown = [required for required in rendered if is_gated(required)]
    if source_notes_rendered:
        shown.append(SOURCE_NOTE_AUDIENCE)
    return shown


def search_documents_holding(required: int) -> tuple[Audience, ...]:
    """
    The search documents that hold a part whose minimum audience is `required`: a public
    field has `Audience.PUBLIC`, a section its own audience, a source note
    `SOURCE_NOTE_AUDIENCE`.
    """
    return tuple(document for document in SEARCH_DOCUMENT_AUDIENCES if can_read(document, required))
