"""
Signed links in e-mails that work without signing in: unsubscribe (from everything or
from one follow) and manage preferences. A token names the user and what it may do; it is
signed with SECRET_KEY (its own salt), expires after `TOKEN_MAX_AGE`, and is checked
against the account's current address, so a link stops working when the address changes.
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.core import signing

TOKEN_SALT = "delivery.email-link"  # noqa: S105 (a salt, not a secret)
TOKEN_MAX_AGE = timedelta(days=180)

# What a token may do: "all" (unsubscribe from every briefing e-mail), "prefs" (manage
# preferences), "follow:<id>" and "search:<id>" (stop one follow or saved search).
SCOPE_ALL = "all"
SCOPE_PREFERENCES = "prefs"


class BadToken(Exception):
    """A forged, expired or outdated link; the message says which, for the page."""


@dataclass(frozen=True)
class LinkClaim:
    user_id: int
    scope: str


def _address_tag(email: str) -> str:
    return hashlib.blake2b(email.lower().encode(), digest_size=6).hexdigest()


def link_token(user, scope: str) -> str:
    return signing.dumps(
        {"u": user.pk, "s": scope, "a": _address_tag(user.email or "")},
        salt=TOKEN_SALT,
        compress=True,
    )


def link_claim(token: str, *, user_lookup) -> tuple[LinkClaim, object]:
    """
    The claim of a link token and its user (`user_lookup(pk)` returns one or None).
    Raises BadToken for a forged, expired or outdated token.
    """
    if not token or len(token) > 300:
        raise BadToken("This link is not one we sent.")
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise BadToken("This link has expired.") from None
    except signing.BadSignature:
        raise BadToken("This link is not one we sent.") from None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise BadToken("This link is not one we sent.")
    user = user_lookup(data["u"])
    if user is None or not user.email or _address_tag(user.email) != data.get("a"):
        raise BadToken("This link belongs to an address that is no longer on an account.")
    return LinkClaim(user_id=data["u"], scope=str(data.get("s", ""))), user
