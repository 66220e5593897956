"""
The delivery pages on the site: follow and unfollow a category, region or topic (from a
briefing, a coverage page), save a search as an alert, and the E-mail and alerts page,
both for a signed-in member (/account/email/) and for anyone holding the link from one of
our e-mails (/email/preferences/<token>/), which works without signing in.

Every change is a POST that redirects (no JavaScript needed); reads are in
`delivery.selectors`, writes in `delivery.services`.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from delivery import selectors, services
from delivery.forms import PreferenceForm
from delivery.models import DeliveryPreference, Suppression
from delivery.tokens import SCOPE_PREFERENCES, BadToken
from members.redirects import safe_next, with_next

Cadence = DeliveryPreference.Cadence
Reason = Suppression.Reason

# How a cadence is named in "reach you by your delivery choice (...)".
CADENCE_NAMES = {
    Cadence.EACH: "an e-mail for each",
    Cadence.DAILY: "daily digest",
    Cadence.WEEKLY: "weekly digest",
}


def delivery_note(user, *, what: str = "New briefings in it") -> str:
    """How new briefings reach `user` now, for the message after following or saving."""
    if selectors.suppression_for(user) is not None:
        return (
            "E-mail from us is turned off for your address, so nothing is sent: turn it "
            "back on under E-mail and alerts."
        )
    preference = selectors.preference_for(user)
    if preference.cadence == Cadence.NONE:
        return (
            "You have alerts and digests turned off: choose how they reach you under "
            "E-mail and alerts."
        )
    return f"{what} reach you by your delivery choice ({CADENCE_NAMES[preference.cadence]})."


def suppression_explained(suppression: Suppression) -> str:
    """Why e-mail is off, in the member's words, with what turning it on will do."""
    day = date_format(suppression.created_at, "j M Y")
    if suppression.reason == Reason.BOUNCED:
        return f"Your address bounced on {day}, so we stopped sending to it."
    if suppression.reason == Reason.COMPLAINED:
        return (
            f"On {day} an e-mail from us was reported as spam from your address, so we "
            "stopped sending to it."
        )
    return f"You turned e-mail off on {day}."


def target_or_404(kind: str, term_id: int):
    model = selectors.TARGET_MODELS.get(kind)
    if model is None:
        raise Http404("Only categories, regions and topics can be followed.")
    return get_object_or_404(model, pk=term_id)


# Follow, unfollow, save a search: from the reader pages -----------------------------------


class MemberActionView(View):
    """
    A button on a reader page that changes what the member receives. Anonymous readers
    are sent to sign in and then back to the page they were on (`next`); nothing changes.
    """

    http_method_names = ["post"]

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            back = safe_next(request, default=reverse("briefings:home"))
            return redirect(with_next(reverse("account_login"), back))
        return super().dispatch(request, *args, **kwargs)

    def back(self):
        return redirect(safe_next(self.request, default=reverse("delivery:preferences")))


class FollowView(MemberActionView):
    def post(self, request, kind, term_id):
        term = target_or_404(kind, term_id)
        _, created = services.follow_add(user=request.user, term=term)
        done = f"You follow {term.name}." if created else f"You already follow {term.name}."
        messages.success(request, f"{done} {delivery_note(request.user)}")
        return self.back()


class UnfollowView(MemberActionView):
    def post(self, request, kind, term_id):
        term = target_or_404(kind, term_id)
        if services.follow_remove(user=request.user, term=term):
            messages.success(request, f"You no longer follow {term.name}.")
        else:
            messages.info(request, f"You were not following {term.name}.")
        return self.back()


class SavedSearchAddView(MemberActionView):
    def post(self, request):
        params = QueryDict(request.POST.get("search", "")[:4000])
        try:
            saved, created = services.saved_search_add(user=request.user, params=params)
        except services.DeliveryError as error:
            messages.error(request, str(error))
            return self.back()
        if created:
            note = delivery_note(request.user, what="New briefings it finds")
            messages.success(request, f"Saved as an alert: {saved.name}. {note}")
        else:
            messages.info(request, f"You already have this alert: {saved.name}.")
        return self.back()


# The E-mail and alerts page -------------------------------------------------------------


class PreferencesPage(View):
    """
    The member's preferences, follows and saved searches, with a form for each change.
    Every form posts back here with an `action`; a subclass says whose page it is
    (`self.member`) and whether the reader is signed in as them.
    """

    template_name = "delivery/preferences.html"
    signed_in_page = True
    member = None

    def page_url(self) -> str:
        return self.request.path

    def get(self, request, *args, **kwargs):
        return self.render_page(PreferenceForm(instance=selectors.preference_for(self.member)))

    def post(self, request, *args, **kwargs):
        action = self.actions.get(request.POST.get("action", ""))
        if action is None:
            messages.error(request, "Nothing was changed: that button is not one we know.")
            return redirect(self.page_url())
        return action(self)

    def render_page(self, form, *, status: int = 200):
        suppression = selectors.suppression_for(self.member)
        context = {
            "member": self.member,
            "form": form,
            "follows": selectors.follows_of(self.member),
            "saved_searches": selectors.saved_searches_of(self.member),
            "suppression": suppression,
            "suppression_explained": suppression and suppression_explained(suppression),
            "page_url": self.page_url(),
            "signed_in_page": self.signed_in_page,
            # The address is a credential: links on the page must not carry it along.
            "private_address": not self.signed_in_page,
        }
        return render(self.request, self.template_name, context, status=status)

    def save_preferences(self):
        preference = selectors.preference_for(self.member)
        form = PreferenceForm(self.request.POST, instance=preference)
        if not form.is_valid():
            messages.error(self.request, "Nothing was saved: please correct what is marked.")
            return self.render_page(form)
        services.preference_update(user=self.member, **form.cleaned_data)
        note = delivery_note(self.member, what="New briefings")
        messages.success(self.request, f"Your e-mail preferences are saved. {note}")
        return redirect(self.page_url())

    def email_off(self):
        try:
            services.email_switch_off(user=self.member)
        except services.DeliveryError as error:
            messages.error(self.request, str(error))
        else:
            messages.success(
                self.request,
                "E-mail is off: we send you no briefings, alerts or digests until you turn "
                "it back on here. E-mails about your account, such as sign-in codes, still "
                "reach you.",
            )
        return redirect(self.page_url())

    def email_on(self):
        removed = services.email_switch_on(user=self.member)
        if removed is None:
            messages.info(self.request, "E-mail was already on.")
        elif removed.reason == Reason.UNSUBSCRIBED:
            messages.success(self.request, "E-mail is on again.")
        else:
            messages.success(
                self.request,
                f"E-mail is on again. {suppression_explained(removed)} We will try it again.",
            )
        return redirect(self.page_url())

    def unfollow(self):
        try:
            term = target_or_404(self.request.POST.get("kind", ""), int(self.request.POST["term"]))
        except (Http404, KeyError, ValueError):
            term = None
        if term is not None and services.follow_remove(user=self.member, term=term):
            messages.success(self.request, f"You no longer follow {term.name}.")
        else:
            messages.info(self.request, "That follow was already removed.")
        return redirect(self.page_url())

    def remove_search(self):
        try:
            saved_search_id = int(self.request.POST["search"])
        except (KeyError, ValueError):
            saved_search_id = None
        removed = saved_search_id and services.saved_search_remove(
            user=self.member, saved_search_id=saved_search_id
        )
        if removed:
            messages.success(self.request, f"Alert removed: {removed.name}.")
        else:
            messages.info(self.request, "That alert was already removed.")
        return redirect(self.page_url())

    actions = {
        "save": save_preferences,
        "email-off": email_off,
        "email-on": email_on,
        "unfollow": unfollow,
        "remove-search": remove_search,
    }


class PreferencesView(LoginRequiredMixin, PreferencesPage):
    """/account/email/: the signed-in member's own page."""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.member = request.user


@method_decorator(never_cache, name="dispatch")
class TokenPreferencesView(PreferencesPage):
    """
    /email/preferences/<token>/: the same page for whoever holds the link from one of our
    e-mails, signed in or not. The token is the credential, so the page is never cached,
    sends no Referer to the sites it links to, and is logged without it
    (config.logging.REDACTED_PATH_PREFIXES). A forged, expired or outdated link gets a
    page that says so, and changes nothing.
    """

    signed_in_page = False

    def dispatch(self, request, *args, token, **kwargs):
        try:
            self.member = selectors.member_for_token(token, scope=SCOPE_PREFERENCES)
        except BadToken as error:
            response = render(
                request,
                "delivery/bad_link.html",
                {"problem": str(error), "private_address": True},
                status=400,
            )
        else:
            response = super().dispatch(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        return response
