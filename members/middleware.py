import zoneinfo

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from members.selectors import reader_status_for_request


class AudienceMiddleware:
    """
    Puts the reader on the request, computed on first use from their memberships (one
    query), so pages that never ask do not pay for it:
    `request.reader` (audience, signed in, lapsed tiers, applications pending, an
    invitation opened) and `request.audience`.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.reader = SimpleLazyObject(lambda: reader_status_for_request(request))
        request.audience = SimpleLazyObject(lambda: request.reader.audience)
        return self.get_response(request)


# Staff MFA ---------------------------------------------------------------------------

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
            if request.method == "GET":
                # The recovery codes page at the end of the set-up continues there.
                request.session[MFA_SETUP_NEXT_SESSION_KEY] = request.get_full_path()
            return redirect("mfa_index")
        return self.get_response(request)


# Time zones ---------------------------------------------------------------------------


def admin_time_zone(request) -> zoneinfo.ZoneInfo | None:
    """The zone of the signed-in person's own choice, for an admin page; None elsewhere."""
    if not request.path.startswith(reverse("admin:index")):
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
