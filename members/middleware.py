from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject

from members.selectors import reader_status


class AudienceMiddleware:
    """
    Puts the reader on the request, computed on first use from their memberships (one
    query), so pages that never ask do not pay for it:
    `request.reader` (audience, signed in, lapsed tiers) and `request.audience`.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.reader = SimpleLazyObject(lambda: reader_status(request.user))
        request.audience = SimpleLazyObject(lambda: request.reader.audience)
        return self.get_response(request)


# Cache policy -------------------------------------------------------------------------

PRIVATE = "private, no-store"


def cache_control_for(
    *,
    method: str,
    status: int,
    depends_on_reader: bool,
    existing: str,
    public_max_age: int,
) -> str | None:
    """
    The Cache-Control a response should carry, or None to leave it as it is.

    A response that depends on who asks (a signed-in reader, a session with something
    in it, a cookie being set) must never be kept by a shared cache. Anything else that
    an anonymous reader gets may be kept for a short while by a shared cache.
    """
    directives = {part.strip().split("=")[0].lower() for part in existing.split(",") if part}
    if depends_on_reader:
        if "no-store" in directives:
            return None
        return PRIVATE
    if existing:
        # The view decided (never_cache on health checks, previews, error pages).
        return None
    if method in {"GET", "HEAD"} and status in {200, 203, 301, 404, 410} and public_max_age:
        return f"public, max-age={public_max_age}"
    return PRIVATE


def response_depends_on_reader(request, response) -> bool:
    if response.cookies:
        return True
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    session = getattr(request, "session", None)
    return bool(session is not None and (session.modified or (session.accessed and session.keys())))


class CacheControlMiddleware:
    """
    Marks every page for shared caches: signed-in pages `private, no-store`, anonymous
    pages public for `PUBLIC_PAGE_MAX_AGE` seconds, and `Vary: Cookie` on all of them so
    that a cache never serves one reader's copy to another. Sits just inside the session
    middleware, so it sees the cookies the CSRF and message middleware set.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        value = cache_control_for(
            method=request.method,
            status=response.status_code,
            depends_on_reader=response_depends_on_reader(request, response),
            existing=response.get("Cache-Control", ""),
            public_max_age=getattr(settings, "PUBLIC_PAGE_MAX_AGE", 60),
        )
        if value is not None:
            response["Cache-Control"] = value
            if value == PRIVATE:
                response.headers.pop("Expires", None)
        patch_vary_headers(response, ["Cookie"])
        return response


# Staff MFA ---------------------------------------------------------------------------


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
            and request.path.startswith(reverse("admin:index"))
            and request.path != reverse("admin:logout")
            and request.user.is_authenticated
            and request.user.is_staff
            and not is_mfa_enabled(request.user)
        ):
            messages.warning(
                request,
                "Staff accounts need two-factor authentication. Set up an authenticator "
                "app or a passkey, then continue to admin.",
            )
            return redirect("mfa_index")
        return self.get_response(request)
