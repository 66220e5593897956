from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
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
