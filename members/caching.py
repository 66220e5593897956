"""
What is kept per account so a signed-in page runs no query: the account row the session
names (`cached_user`), the plain terms of its memberships (`cached_terms`, from which the
access rule works out the reader's standing afresh on every request, so a membership that
ends at a given moment ends then) and whatever else an app keeps for one account (the
follow buttons' follows, `delivery.selectors`), all through `account_cached`.

Every entry is keyed by the account's id and nothing else: no entry can be read for
another account. Each account has a *generation*, a random token kept beside its entries;
an entry holds the generation it was built in and counts only while that is still the
account's. `forget_accounts` gives the accounts a new token, so all their entries are
gone at once on every server. It runs when the account row is saved or deleted (password,
active flag, e-mail), when a follow changes (`delivery.signals`), and when what the account
may read changes (`members.signals.send_reader_changed`: at once, and again when the
change commits, through `reader_changed`).

Within one request every entry is read once: the first read of an account's entries asks
for its generation, the entry wanted, the entries most pages need (`prefetched_with_account`:
the standing, the follows) and the content generation in one round trip, and keeps what it
found in the request's memo (`config.caching.request_memo`, keyed by the cache keys, so by
account id); forgetting an account drops its memo too.

The token rather than a delete makes a fill that raced a change harmless: a request that
read the old rows before the change committed stores them under the old token, which no
later request asks for.

Entries live in the cache that may be evicted (`pages`), at most READER_CACHE_SECONDS:
an eviction or an outage costs queries, never a wrong answer. Reads and fills fail open;
the forgetting does not (a change that could not clear the cache fails, as raising the
content generation does), and the lifetime bounds what a cache that comes back could hold.
"""

import secrets
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from config.caching import (
    GENERATION_KEY,
    accelerator,
    pages_cache,
    request_memo,
    seed_content_generation,
)

_UNREACHABLE = object()

# The kinds most signed-in pages read: fetched with an account's first read in a request.
_PREFETCHED: set[str] = set()


def prefetched_with_account(*kinds: str) -> None:
    """Called by the apps at import: kinds worth reading with every first read of an account."""
    _PREFETCHED.update(kinds)


def _generation_key(user_id) -> str:
    return f"account:{int(user_id)}:generation"


def _entry_key(kind: str, user_id) -> str:
    return f"account:{int(user_id)}:{kind}"


def _new_generation() -> str:
    return secrets.token_hex(8)


def account_cached(kind: str, user_id, build: Callable):
    """
    `build()`'s value for account `user_id`, kept under `kind` until the account's
    generation changes (or READER_CACHE_SECONDS pass). One cache round trip when warm.
    """
    generation_key, entry_key = _generation_key(user_id), _entry_key(kind, user_id)
    memo = request_memo()
    found = _read(user_id, [generation_key, entry_key], memo)
    if found is _UNREACHABLE:
        return build()
    generation = found.get(generation_key)
    if generation is None:
        accelerator.add(generation_key, _new_generation(), timeout=None)
        generation = accelerator.get(generation_key)
        if generation is None:  # the cache went away: build, keep nothing
            return build()
        if memo is not None:
            memo[generation_key] = generation
    entry = found.get(entry_key)
    if entry is not None and entry[0] == generation:
        return entry[1]
    value = build()
    accelerator.set(entry_key, (generation, value), settings.READER_CACHE_SECONDS)
    if memo is not None:
        memo[entry_key] = (generation, value)
    return value


def _read(user_id, keys: list[str], memo: dict | None):
    """
    The entries found under `keys` (an account's), by key: from the request's memo when
    it has them, else in one round trip that also brings the account's prefetched kinds
    and the content generation. `_UNREACHABLE` when the cache could not be asked.
    """
    if memo is None:
        return accelerator.get_many(keys, unavailable=_UNREACHABLE)
    if any(key not in memo for key in keys):
        wanted = [*keys, *(_entry_key(kind, user_id) for kind in sorted(_PREFETCHED))]
        wanted = [key for key in dict.fromkeys(wanted) if key not in memo]
        found = accelerator.get_many([*wanted, GENERATION_KEY], unavailable=_UNREACHABLE)
        if found is _UNREACHABLE:
            return _UNREACHABLE
        seed_content_generation(found.get(GENERATION_KEY))
        memo.update({key: found.get(key) for key in wanted})
    return {key: memo[key] for key in keys if memo[key] is not None}


def forget_accounts(user_ids: Iterable) -> None:
    """Every entry kept for these accounts stops counting, on every server."""
    user_ids = {int(uid) for uid in user_ids if uid is not None}
    memo = request_memo()
    if memo:
        prefixes = tuple(f"account:{uid}:" for uid in user_ids)
        for key in [key for key in memo if key.startswith(prefixes)]:
            del memo[key]
    if user_ids:
        pages_cache.set_many(
            {_generation_key(uid): _new_generation() for uid in user_ids}, timeout=None
        )


def forget_account_now_and_on_commit(user_id) -> None:
    """For a write to an account's own rows: forgotten now, and again once it commits."""
    forget_accounts([user_id])
    transaction.on_commit(lambda: forget_accounts([user_id]), robust=False)


def _account_row_changed(sender, instance, **kwargs):
    if kwargs.get("raw") or instance.pk is None:
        return
    forget_account_now_and_on_commit(instance.pk)


def connect_receivers() -> None:
    user_model = get_user_model()
    post_save.connect(_account_row_changed, sender=user_model, dispatch_uid="account-cache-save")
    post_delete.connect(
        _account_row_changed, sender=user_model, dispatch_uid="account-cache-delete"
    )
