"""
The words of lock cards, card markers and welcomes, for each answer of the access rule.

`members.access` decides (which tiers would unlock more, the reader's `LockAction`, a
card's `CardAccess`); this module says it, so every page and e-mail prints the same words
and no template words a reader state itself. Pure functions of plain values.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from members.access import (
    OPEN_TIERS,
    Audience,
    CardAccess,
    LockAction,
    card_access,
    is_gated,
    joins_by_application,
)


@dataclass(frozen=True)
class LockOffer:
    """
    The words of one lock card, for one reader state. `name` is the tier's (editable)
    name; `how` says how the tier is reached and `button` what to press (empty when there
    is nothing to do, as while an application waits for review).
    """

    action: LockAction
    status: str  # over the card: "Free for every reader", "Application pending"
    headline: str  # at the top of the page: "Read on free with <tier>"
    how: str
    button: str
    offers_sign_in: bool  # an "Already a member? Sign in" link under the button
    signs_up: bool  # the button leads to signing up rather than the tier's page


def _join(name: str, *, signed_in: bool) -> tuple[str, str]:
    if signed_in:
        return "Verify your e-mail address to join for free.", f"Join {name}"
    how = "Join free with your e-mail address: we send you a code, no password needed."
    return how, f"Join {name} free"


def _apply(name: str, *, signed_in: bool) -> tuple[str, str]:
    how = "Membership is granted by application, reviewed by our membership team."
    if not signed_in:
        how = (
            "Membership is granted by application: create a free account (or sign in), "
            "then apply. Our membership team reviews every application."
        )
    return how, f"Apply for {name}"


def _renew(name: str, *, by_application: bool) -> tuple[str, str]:
    how = f"Your {name} membership has ended. Renew it to read these sections again."
    if by_application:
        how = (
            f"Your {name} membership has ended. Apply to renew it; our membership team "
            "reviews every application and approval restores your access."
        )
    return how, f"Renew {name}"


def lock_offer(tier: int, *, action: LockAction, name: str, is_authenticated: bool) -> LockOffer:
    """What a lock card for `tier` says to a reader whose action is `action`."""
    tier = Audience(tier)
    signed_in = is_authenticated
    if action == LockAction.JOIN and joins_by_application(tier):
        action = LockAction.APPLY  # nobody joins a tier the publisher grants
    if action == LockAction.PENDING:
        status, headline = "Application pending", f"Your {name} application is pending"
        how = (
            f"Your application for {name} is with our membership team. We will e-mail you "
            "when it has been reviewed; these sections unlock on approval."
        )
        button = ""
    elif action == LockAction.ACCEPT:
        status, headline = "You are invited", f"You are invited to {name}"
        how = (
            f"You have been invited to {name}. Accept the invitation, signing up or in "
            "with the address it was sent to, to unlock these sections."
        )
        button = "Accept your invitation"
    elif action == LockAction.RENEW:
        status, headline = "Your membership has ended", f"Renew {name} to read on"
        how, button = _renew(name, by_application=joins_by_application(tier))
    elif action == LockAction.JOIN:
        status, headline = "Free for every reader", f"Read on free with {name}"
        how, button = _join(name, signed_in=signed_in)
    else:
        status, headline = "By application", f"Read everything with {name}"
        how, button = _apply(name, signed_in=signed_in)
    return LockOffer(
        action=action,
        status=status,
        headline=headline,
        how=how,
        button=button,
        offers_sign_in=not signed_in and action in {LockAction.JOIN, LockAction.APPLY},
        signs_up=not signed_in and action == LockAction.JOIN and tier in OPEN_TIERS,
    )


def card_access_words(audience: int, gated: Iterable[int]) -> tuple[str, str]:
    """
    A card's marker for a briefing with member parts, for this reader: ("Members · Strategic
    Circle and up", "Partly unlocked"); empty strings for a briefing without member parts.
    """
    gated = sorted({Audience(part) for part in gated if is_gated(part)})
    state = card_access(audience, gated)
    if state == CardAccess.NONE:
        return "", ""
    # The lowest tier that opens any of it; "and up" when higher tiers open more.
    tiers = gated[0].label + (" and up" if len(gated) > 1 else "")
    return f"Members · {tiers}", {
        CardAccess.UNLOCKED: "Unlocked",
        CardAccess.PARTLY: "Partly unlocked",
        CardAccess.LOCKED: "",
    }[state]


def welcome_message(name: str) -> str:
    """What a reader who has just joined a tier is told, on the page they came back to."""
    return (
        f"Welcome to {name}. Your membership is active: the sections it unlocks are "
        "open below, and on every briefing."
    )
