"""
The client administrator's team page, and where a seat invitation's link leads.

Every view that names a licence finds it through `selectors.licence_for_administrator`,
and every seat, invitation or administrator it acts on is looked up within that licence:
another organisation's team, seat or invitation is a 404, and an id forged into a form
changes nothing.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from members.access import Audience
from members.redirects import with_next
from members.selectors import user_holds_address
from organisations import invitations, selectors, services
from organisations.forms import AdministratorForm, InviteForm
from organisations.models import Licence, Seat, SeatInvitation


@login_required
def teams(request):
    """The teams the reader administers: straight to the one, or a list."""
    licences = list(Licence.objects.administered_by(request.user))
    if len(licences) == 1:
        return redirect(licences[0])
    if not licences:
        raise Http404("You administer no team.")
    return render(request, "organisations/teams.html", {"licences": licences})


class TeamView(LoginRequiredMixin, TemplateView):
    template_name = "organisations/team.html"

    def get_context_data(self, **kwargs):
        licence = selectors.licence_for_administrator(
            user=self.request.user, licence_id=self.kwargs["pk"]
        )
        kwargs.setdefault("invite_form", InviteForm())
        kwargs.setdefault("administrator_form", AdministratorForm(prefix="administrator"))
        return super().get_context_data(
            **selectors.team(licence),
            tier_name=Audience(licence.tier).label,
            **kwargs,
        )


def _team_action(view):
    """A POST on one administrator's team: the licence found for them, or a 404."""

    @login_required
    @require_POST
    def wrapped(request, pk, **kwargs):
        licence = selectors.licence_for_administrator(user=request.user, licence_id=pk)
        try:
            response = view(request, licence, **kwargs)
        except services.OrganisationError as error:
            messages.error(request, str(error))
            return redirect(licence)
        return response or redirect(licence)

    return wrapped


def _render_team_with(request, licence, **forms):
    view = TeamView(request=request, kwargs={"pk": licence.pk})
    return render(request, TeamView.template_name, view.get_context_data(**forms), status=400)


@_team_action
def invite(request, licence):
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _render_team_with(request, licence, invite_form=form)
    invitation, _, sent = invitations.invitation_create(
        licence=licence, email=form.cleaned_data["email"], by=request.user
    )
    messages.success(
        request,
        f"Invitation {'e-mailed' if sent else 'saved (the e-mail could not be queued)'} to "
        f"{invitation.email}. It holds a seat until it is accepted, withdrawn, or expires on "
        f"{invitation.expires_at:%-d %B %Y}. If they already hold a seat with another "
        "organisation, they choose on accepting whether to move it to yours.",
    )


@_team_action
def seat_remove(request, licence, seat_id):
    seat = get_object_or_404(licence.seats.held().select_related("user"), pk=seat_id)
    services.seat_remove(seat=seat, by=request.user)
    messages.success(
        request, f"{seat.user.email} no longer holds a seat; their access ended at once."
    )


@_team_action
def invitation_withdraw(request, licence, invitation_id):
    invitation = get_object_or_404(SeatInvitation.objects.filter(licence=licence), pk=invitation_id)
    if invitations.invitation_withdraw(invitation=invitation, by=request.user):
        messages.success(request, f"The invitation to {invitation.email} is withdrawn.")
    else:
        messages.info(request, f"The invitation to {invitation.email} was no longer open.")


@_team_action
def administrator_add(request, licence):
    form = AdministratorForm(request.POST, prefix="administrator")
    if not form.is_valid():
        return _render_team_with(request, licence, administrator_form=form)
    email = form.cleaned_data["email"]
    user = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(email__iexact=email)
            | Q(emailaddress__email__iexact=email, emailaddress__verified=True)
        )
        .distinct()
        .first()
    )
    if user is None:
        form.add_error("email", "No account has this address: ask them to sign up first.")
        return _render_team_with(request, licence, administrator_form=form)
    services.administrator_add(licence=licence, user=user, by=request.user)
    messages.success(request, f"{user.email} is now an administrator of this team.")


@_team_action
def administrator_remove(request, licence, user_id):
    user = get_object_or_404(licence.administrators.all(), pk=user_id)
    services.administrator_remove(licence=licence, user=user, by=request.user)
    if user.pk == request.user.pk:
        messages.success(request, "You are no longer an administrator of this team.")
        return redirect("members:account")
    messages.success(request, f"{user.email} is no longer an administrator.")


class InvitationView(TemplateView):
    """Where a seat invitation's link leads: accept it signed in, or sign up or in first."""

    template_name = "organisations/invitation.html"

    def dispatch(self, request, *args, **kwargs):
        self.invitation = invitations.invitation_find(kwargs["token"])
        if self.invitation is None:
            raise Http404("No such invitation.")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        state = self.invitation.state
        response = self.render_to_response(self.get_context_data(state=state))
        if state in {SeatInvitation.State.EXPIRED, SeatInvitation.State.REVOKED}:
            response.status_code = 410
        return response

    def get_context_data(self, **kwargs):
        user = self.request.user
        here = self.request.path
        other_seat = None
        if user.is_authenticated:
            other_seat = (
                Seat.objects.held()
                .filter(user=user)
                .exclude(licence=self.invitation.licence)
                .select_related("licence")
                .first()
            )
        return super().get_context_data(
            invitation=self.invitation,
            licence=self.invitation.licence,
            tier_name=Audience(self.invitation.licence.tier).label,
            accepted_by_reader=user.is_authenticated and self.invitation.accepted_by_id == user.pk,
            for_another_address=user.is_authenticated
            and not user_holds_address(user, self.invitation.email),
            other_seat=other_seat,
            signup_url=with_next(reverse("account_signup"), here),
            login_url=with_next(reverse("account_login"), here),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(with_next(reverse("account_login"), request.path))
        try:
            seat = invitations.invitation_accept(
                invitation=self.invitation,
                user=request.user,
                other_address_confirmed=request.POST.get("other_address") == "accept",
                give_up_other_seat=request.POST.get("other_seat") == "give-up",
            )
        except services.OrganisationError as error:
            messages.error(request, str(error))
            return redirect(request.path)
        messages.success(
            request,
            f"Welcome: you hold a seat on {seat.licence.name}'s "
            f"{seat.licence.get_tier_display()} licence.",
        )
        return redirect(request.path)
