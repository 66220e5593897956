import functools
import zoneinfo

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
    load_backend,
)
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from members.caching import account_cached
from members.selectors import reader_status_for_request

# Signed-in readers ------------------------------------------------------------------


def session_user(request):
    """
    `django.contrib.auth.get_user` with the account row kept in the cache per account
    (`members.caching`, forgotten whenever the row is saved or deleted), so a signed-in
    page runs no query for it. Everything else is Django's: the session names the account
    and the backend, the backend must still be configured, an account the backend refuses
    (inactive) is nobody, and the session's hash of the password must match the account's
    (or a fallback key's, then the session is re-keyed), else the session is flushed.
    """
    session = request.session
    try:
        user_id = get_user_model()._meta.pk.to_python(session[SESSION_KEY])
        backend_path = session[BACKEND_SESSION_KEY]
    except KeyError:
        return AnonymousUser()
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return AnonymousUser()
    backend = load_backend(backend_path)
    user = account_cached(f"user:{backend_path}", user_id, lambda: backend.get_user(user_id))
    if user is None or not hasattr(user, "get_session_auth_hash"):
        return user or AnonymousUser()
    session_hash = session.get(HASH_SESSION_KEY)
    session_auth_hash = user.get_session_auth_hash()
    if session_hash and constant_time_compare(session_hash, session_auth_hash):
        return user
    if session_hash and any(
        constant_time_compare(session_hash, fallback)
        for fallback in user.get_session_auth_fallback_hash()
    ):
        session.cycle_key()
        session[HASH_SESSION_KEY] = session_auth_hash
        return user
    session.flush()
    return AnonymousUser()


class CachedUserAuthenticationMiddleware(AuthenticationMiddleware):
    """Django's AuthenticationMiddleware, with `request.user` from `session_user`."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: session_user(request))


class AudienceMiddleware:
    """
    Puts the reader on the request, worked out on first use (a signed-in reader's facts
    are kept in the cache per account: no query when warm), so pages that never ask do not
    pay for it: `request.reader` (audience, signed in, lapsed tiers, applications pending,
    an invitation opened) and `request.audience`.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.reader = SimpleLazyObject(lambda: reader_status_for_request(request))
        request.audience = SimpleLazyObject(lambda: request.reader.audience)
        return self.get_response(request)


# Staff MFA ---------------------------------------------------------------------------


def admin_path(name: str = "admin:index") -> str:
    """
    An admin address, reversed once per process (per script prefix and URLconf): the two
    middleware below ask on every request whether it is for admin, which had cost two
    reversals a page.
    """
    return _reversed(name, get_script_prefix(), get_urlconf())


@functools.lru_cache(maxsize=64)
def _reversed(name: str, prefix: str, urlconf) -> str:
    return reverse(name, urlconf=urlconf)


# Where a staff member was going in admin when sent to set up two-factor authentication.
MFA_SETUP_NEXT_SESSION_KEY = "members_mfa_setup_next"


class StaffMFARequiredMiddleware:
    """
    Staff must protect their account with a second factor before they use admin: a staff
    member without one is sent to set it up. Readers may add MFA but are never forced.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            getattr(settings, "STAFF_MFA_REQUIRED", True)
            and request.path.startswith(admin_path())
            and request.path != admin_path("admin:logout")
            and request.user.is_authenticated
            and request.user.is_staff
            and not is_mfa_enabled(request.user)
        ):
            messages.warning(
                request,
                "Staff accounts need two-factor authentication. Set up an authenticator "
                "app or a passkey, then continue to admin.",
            )
            if request.method == "GET":
                # The recovery codes page at the end of the set-up continues there.
                request.session[MFA_SETUP_NEXT_SESSION_KEY] = request.get_full_path()
            return redirect("mfa_index")
        return self.get_response(request)


# Time zones ---------------------------------------------------------------------------


def admin_time_zone(request) -> zoneinfo.ZoneInfo | None:
    """The zone of the signed-in person's own choice, for an admin page; None elsewhere."""
    if not request.path.startswith(admin_path()):
        return None
    user = request.user
    if not user.is_authenticated or not user.time_zone:
        return None
    try:
        return zoneinfo.ZoneInfo(user.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None  # a zone this machine no longer knows: the site's


class AdminTimeZoneMiddleware:
    """
    Admin shows and reads times (publish times, lists, history) in the editor's own time
    zone, chosen on their account (`User.time_zone`); everything is stored in UTC. Only in
    admin: readers' pages keep the site's zone, because their cached parts name none.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = admin_time_zone(request)
        if zone is None:
            return self.get_response(request)
        timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
