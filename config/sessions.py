"""
Sessions with an absolute lifetime: a signed-in session ends SESSION_COOKIE_AGE after the
sign-in, however busy it has been since.

Django's own expiry counts from the last time the session was saved, so every change
(a message, a form step, django-allauth's "remember me" after a password sign-in) pushes
the end further away and an active session, or a stolen cookie in use, could last for
ever. This store notes when a user first appears in the session and never lets the
expiry date (kept in the database row, the cache entry and the cookie alike) pass that
moment plus SESSION_COOKIE_AGE. Past it the session cannot be loaded: the reader is
anonymous and signs in again.

The database holds every session; the cache holds copies. When the cache cannot be
reached a session is read from the database (`config.cache.FailOpen`), so members stay
signed in through a Redis outage; a deletion (signing out) still needs the cache, so that
a copy cannot outlive its session.

Use it as SESSION_ENGINE = "config.sessions".
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import cached_db
from django.utils import timezone

from config.cache import FailOpen, Outage

# The sessions' Redis (REDIS_URL) may be up while the pages' one is down, or the reverse.
SESSIONS_OUTAGE = Outage()

# Seconds since the epoch at which a user was first seen in this session (its sign-in).
SIGNED_IN_AT = "_signed_in_at"


def _deadline(signed_in_at: float) -> datetime:
    lifetime = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    return datetime.fromtimestamp(signed_in_at, UTC) + lifetime


class SessionStore(cached_db.SessionStore):
    def __init__(self, session_key=None):
        super().__init__(session_key)
        self._cache = FailOpen(self._cache, health=SESSIONS_OUTAGE)

    def delete(self, session_key=None):
        # The cached copy goes first: Django deletes the row and then the copy, so while the
        # cache is away a sign-out would end the row, fail, and leave a copy that works
        # again when Redis returns. Failing here leaves both, and the reader signed in.
        key = session_key or self.session_key
        if key:
            self._cache.delete(self.cache_key_prefix + key)
        super().delete(session_key)

    def signed_in_deadline(self) -> datetime | None:
        """When this session must end, or None for a session nobody has signed in to."""
        signed_in_at = self.get(SIGNED_IN_AT)
        return None if signed_in_at is None else _deadline(signed_in_at)

    def load(self):
        data = super().load()
        signed_in_at = data.get(SIGNED_IN_AT)
        if signed_in_at is not None and timezone.now() >= _deadline(signed_in_at):
            # Expired, though a cache entry may outlive its timeout by a moment: refuse it
            # and make the next save start a session under a new key.
            self._session_key = None
            return {}
        return data

    def _capped(self, kwargs) -> bool:
        # Django also asks for the expiry of session data it is loading (passing
        # `expiry`); that was capped when it was saved, and asking self would load again.
        return "expiry" not in kwargs

    def get_expiry_date(self, **kwargs):
        expiry_date = super().get_expiry_date(**kwargs)
        if self._capped(kwargs) and (deadline := self.signed_in_deadline()):
            return min(expiry_date, deadline)
        return expiry_date

    def get_expiry_age(self, **kwargs):
        age = super().get_expiry_age(**kwargs)
        if self._capped(kwargs) and (deadline := self.signed_in_deadline()):
            modification = kwargs.get("modification") or timezone.now()
            remaining = int((deadline - modification).total_seconds())
            # Never zero or less: the cookie and cache entry simply lapse within a second,
            # and load() refuses the data past the deadline in any case.
            return max(1, min(age, remaining))
        return age

    def save(self, must_create=False):
        # The first save with a user in it is the sign-in (Django's login() has just
        # cycled the key, or flushed another user's session). A later sign-in of the same
        # user in the same session keeps the first stamp: signing in again does not
        # stretch a session.
        data = self._get_session(no_load=must_create)
        if SESSION_KEY in data and SIGNED_IN_AT not in data:
            data[SIGNED_IN_AT] = int(timezone.now().timestamp())
        return super().save(must_create=must_create)
