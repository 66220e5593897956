import time

from allauth.account import app_settings as allauth_account_settings
from allauth.account.decorators import reauthentication_required
from allauth.account.internal.flows.reauthentication import get_reauthentication_flows
from allauth.core import ratelimit
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView
from django.views.generic.edit import FormMixin

from config.sessions import SIGNED_IN_AT
from members import access, selectors, services
from members.access import Audience
from members.adapter import pending_invitation_peek, pending_invitation_remember
from members.forms import AccountDeleteForm, ApplicationForm, TimeZoneForm
from members.models import Invitation, Tier
from members.redirects import safe_next, with_next
from members.signals import reader_converted


class MembershipOverviewView(TemplateView):
    """The tiers and what each unlocks."""

    template_name = "members/overview.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(tiers=Tier.objects.all(), **kwargs)


class TierView(FormMixin, DetailView):
    """
    One tier's page: what it unlocks and how this reader gets it. For a tier granted by
    the publisher it takes the application of a signed-in reader; an anonymous reader is
    sent to sign up or in and brought back here, with the briefing they came from kept in
    `next` for afterwards.
    """

    template_name = "members/tier.html"
    context_object_name = "tier"
    form_class = ApplicationForm

    def get_object(self, queryset=None):
        try:
            audience = Audience.from_slug(self.kwargs["slug"])
        except ValueError:
            raise Http404("No such tier.") from None
        try:
            return Tier.objects.get(audience=audience)
        except Tier.DoesNotExist:
            raise Http404("No such tier.") from None

    def memberships(self):
        """The reader's memberships, fetched once per request (none when anonymous)."""
        if not hasattr(self, "_memberships"):
            user = self.request.user
            self._memberships = list(user.memberships.all()) if user.is_authenticated else []
        return self._memberships

    def position(self) -> access.TierPosition:
        """Where the reader stands towards this page's tier, asked of the access rule."""
        user = self.request.user
        return access.tier_position(
            self.object.audience,
            terms=[m.term for m in self.memberships()],
            at=timezone.now(),
            is_authenticated=user.is_authenticated,
            has_pending_application=selectors.application_pending_exists(
                user=user, tier=self.object.audience
            ),
        )

    def upcoming_membership(self):
        """The reader's next membership of this page's tier that has not started yet."""
        return selectors.membership_upcoming(
            memberships=self.memberships(), tier=self.object.audience
        )

    def tier_membership(self):
        """The reader's active membership of this page's tier, if any."""
        return selectors.membership_current(
            memberships=[m for m in self.memberships() if m.tier == self.object.audience]
        )

    def get_initial(self):
        user = self.request.user
        return {"name": user.get_full_name()} if user.is_authenticated else {}

    def get_context_data(self, **kwargs):
        position = self.position()
        next_url = safe_next(self.request)
        here = with_next(self.request.path, next_url)
        by_application = access.joins_by_application(self.object.audience)
        membership = self.tier_membership()
        context = {
            "standing": position.standing,
            "position": position,
            "next_url": next_url,
            "joins_by_application": by_application,
            "may_apply": position.may_apply,
            "membership": membership,
            "upcoming": self.upcoming_membership(),
            # To apply, anonymous readers sign up (or in) and come back to this page; to
            # join an open tier they go straight back to where they came from.
            "signup_url": with_next(
                reverse("account_signup"), here if by_application else next_url
            ),
            "login_url": with_next(reverse("account_login"), here if by_application else next_url),
        }
        if not context["may_apply"]:
            kwargs.pop("form", None)
            context["form"] = None
        return super().get_context_data(**context, **kwargs)

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return self.render_to_response(self.get_context_data())

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        if not request.user.is_authenticated:
            return redirect(with_next(reverse("account_login"), request.get_full_path()))
        if not self.position().may_apply:
            messages.info(request, "There is nothing to apply for: see where you stand below.")
            return redirect(with_next(request.path, safe_next(request)))
        form = self.get_form()
        if not form.is_valid():
            return self.form_invalid(form)
        try:
            application = services.application_submit(user=request.user, **form.cleaned_data)
        except services.MembershipError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        reader_converted.send(
            sender=type(self),
            request=request,
            user=request.user,
            kind="application",
            tier=application.tier,
        )
        messages.success(
            request,
            f"Thank you. Your application for the {self.object.name} is with our membership "
            "team; we will e-mail you when it has been reviewed.",
        )
        return redirect(with_next(request.path, safe_next(request)))


class InvitationView(TemplateView):
    """
    Where an invitation link leads. A signed-in reader accepts it here; an anonymous
    reader signs up or in first and it is accepted as soon as they are signed in.
    """

    template_name = "members/invitation.html"

    def dispatch(self, request, *args, **kwargs):
        self.invitation = selectors.invitation_find(kwargs["token"])
        if self.invitation is None:
            raise Http404("No such invitation.")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        state = self.invitation.state
        if state == Invitation.State.OPEN and not request.user.is_authenticated:
            pending_invitation_remember(request, kwargs["token"], self.invitation.tier)
        response = self.render_to_response(self.get_context_data(state=state))
        if state in {Invitation.State.EXPIRED, Invitation.State.REVOKED}:
            response.status_code = 410
        return response

    def get_context_data(self, **kwargs):
        here = self.request.path
        accepted_by_reader = (
            self.request.user.is_authenticated
            and self.invitation.accepted_by_id == self.request.user.pk
        )
        user = self.request.user
        return super().get_context_data(
            invitation=self.invitation,
            tier_name=Audience(self.invitation.tier).label,
            accepted_by_reader=accepted_by_reader,
            for_another_address=user.is_authenticated
            and not selectors.user_holds_address(user, self.invitation.email),
            signup_url=with_next(reverse("account_signup"), here),
            login_url=with_next(reverse("account_login"), here),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(with_next(reverse("account_login"), request.path))
        try:
            membership = services.invitation_accept(
                invitation=self.invitation,
                user=request.user,
                other_address_confirmed=request.POST.get("other_address") == "accept",
            )
        except services.MembershipError as error:
            messages.error(request, str(error))
            return redirect(request.path)
        messages.success(request, f"Welcome to the {Audience(membership.tier).label}.")
        return redirect("members:account")


class InvitationOpenedView(View):
    """
    Where an invited reader's lock card leads: back to the invitation opened in this
    browser (its token is never written into a page, which may be cached for others), or
    to the tier's page once it has been taken or has expired.
    """

    def get(self, request, *args, **kwargs):
        token = pending_invitation_peek(request)
        if token:
            return redirect("members:invitation", token=token)
        return redirect("members:overview")


class AccountView(LoginRequiredMixin, TemplateView):
    """The reader's own page: what they hold, until when, and everything they can manage."""

    template_name = "members/account.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        now = timezone.now()
        kwargs.setdefault("time_zone_form", TimeZoneForm(instance=user) if user.is_staff else None)
        memberships = list(user.memberships.select_related("granted_by"))
        terms = [m.term for m in memberships]
        current = selectors.membership_current(memberships=memberships, at=now)
        applications = list(user.applications.all()[:5])
        tier = access.APPLICATION_TIER
        position = access.tier_position(
            tier,
            terms=terms,
            at=now,
            has_pending_application=any(a.tier == tier and a.is_pending for a in applications),
        )
        tier_url = reverse("members:tier", args=[tier.slug])
        return super().get_context_data(
            audience=access.audience_at(terms, now),
            current=current,
            upcoming=sorted(
                (m for m in memberships if m.starts_at > now), key=lambda m: m.starts_at
            ),
            # Ends soon, counting renewals that carry on from the current membership.
            ending_soon=bool(
                current and access.ends_soon(access.covered_until(terms, current.tier, now), now)
            ),
            # Renewing a tier the publisher grants is a new application on its page.
            renew_url=tier_url if position.is_renewable else "",
            memberships=memberships,
            applications=applications,
            application_position=position,
            # The label, not the editable Tier wording: that would cost this page a query.
            application_tier_name=tier.label,
            application_tier_url=tier_url,
            mfa_enabled=is_mfa_enabled(user),
            now=now,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        """A staff member's time zone for admin; nothing else on this page is a form."""
        if not request.user.is_staff:
            raise PermissionDenied
        form = TimeZoneForm(request.POST, instance=request.user)
        if form.is_valid():
            form.save()
            messages.success(request, f"Admin now shows times in {form.instance.time_zone}.")
            return redirect("members:account")
        return self.render_to_response(self.get_context_data(time_zone_form=form))


class SignOutEverywhereView(LoginRequiredMixin, View):
    """End every session of the account, on every device, this one included."""

    http_method_names = ["post"]

    def post(self, request):
        count = services.user_sessions_end(user=request.user)
        logout(request)
        messages.success(
            request,
            f"Signed out of every session ({count} in all)." if count else "Signed out.",
        )
        return redirect("briefings:home")


def signed_in_recently(request) -> bool:
    """Whether this session signed in (by any means) within allauth's reauthentication window."""
    signed_in_at = request.session.get(SIGNED_IN_AT)  # stamped by config.sessions
    window = allauth_account_settings.REAUTHENTICATION_TIMEOUT
    return signed_in_at is not None and time.time() - signed_in_at < window


# Deleting is for good: like changing a password it needs a recent sign-in (allauth's
# reauthentication, ACCOUNT_REAUTHENTICATION_TIMEOUT), so a session left open on a shared
# computer cannot do it. The page itself may be looked at; the deletion asks first.
@method_decorator(reauthentication_required(allow_get=True), name="post")
class AccountDeleteView(LoginRequiredMixin, FormView):
    template_name = "members/account_delete.html"
    form_class = AccountDeleteForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def post(self, request, *args, **kwargs):
        # allauth asks for the password (or second factor) again; an account with neither
        # signs in by e-mailed code, and allauth would not ask at all: it must have signed
        # in within the same few minutes, or sign in again with a fresh code.
        if not get_reauthentication_flows(request.user) and not signed_in_recently(request):
            logout(request)
            messages.info(
                request,
                "To delete your account, sign in again with a code we e-mail you, "
                "then confirm the deletion.",
            )
            delete_url = reverse("members:account-delete")
            return redirect(with_next(reverse("account_request_login_code"), delete_url))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        email = self.request.user.email
        services.account_delete(user=self.request.user)
        # The address is free again, and with it its count of verification e-mails: a
        # sign-up with it right away gets its code instead of a 429 after the account
        # was already made (allauth sends the code after creating the account).
        ratelimit.clear(self.request, action="confirm_email", key=email.lower())
        logout(self.request)
        messages.success(
            self.request,
            "Your account is deleted. Your memberships are closed and your personal "
            "details removed.",
        )
        return redirect("briefings:home")
