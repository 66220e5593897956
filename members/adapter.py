import time
from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib import messages
from django.urls import reverse

from members import selectors, services
from members.access import Audience
from members.models import Tier
from members.offers import welcome_message
from members.signals import reader_converted
from members.tasks import email_queue

# The invitation a reader opened before signing up or in; accepted once they are signed
# in, if they do it soon (the session may be a shared browser's: a link opened and left
# must not go to whoever signs in there next) and as the address it was sent to.
PENDING_INVITATION_SESSION_KEY = selectors.PENDING_INVITATION_SESSION_KEY
PENDING_INVITATION_SECONDS = selectors.PENDING_INVITATION_SECONDS


def pending_invitation_remember(request, token: str, tier: int | None = None) -> None:
    """Remember the invitation; its tier lets lock cards say "You are invited" meanwhile."""
    opened = {"token": token, "at": time.time()}
    if tier is not None:
        opened["tier"] = int(tier)
    request.session[PENDING_INVITATION_SESSION_KEY] = opened


def pending_invitation_take(request) -> str | None:
    """The token of an invitation opened in this session within the last half hour."""
    return _pending_token(request.session.pop(PENDING_INVITATION_SESSION_KEY, None))


def pending_invitation_peek(request) -> str | None:
    """The same token, left in the session: for the pages on the way to accepting it."""
    session = getattr(request, "session", None)
    if session is None:
        return None
    return _pending_token(session.get(PENDING_INVITATION_SESSION_KEY))


def _pending_token(pending) -> str | None:
    if not isinstance(pending, dict):
        return None
    if time.time() - pending.get("at", 0) > PENDING_INVITATION_SECONDS:
        return None
    return pending.get("token")


class AccountAdapter(DefaultAccountAdapter):
    """
    The one place where the product customises django-allauth. Joining happens here, in
    allauth's own flow, through the members services: a verified e-mail address makes the
    account a member of the open tier, and an invitation opened before signing in is
    accepted as soon as the reader is signed in. The reader then continues to `next`.
    """

    def confirm_email(self, request, email_address):
        confirmed = super().confirm_email(request, email_address)
        if confirmed:
            self.welcome(request, services.membership_grant_on_signup(user=email_address.user))
        return confirmed

    def post_login(self, request, user, **kwargs):
        # Verification by a sign-in or reset code bypasses `confirm_email`; every sign-in
        # passes here, so a reader whose address is verified is always a member by now.
        if EmailAddress.objects.filter(user=user, verified=True).exists():
            membership = services.membership_grant_on_signup(user=user)
            if kwargs.get("signup"):
                self.welcome(request, membership)
        self.invitation_accept_pending(request, user)
        return super().post_login(request, user, **kwargs)

    def welcome(self, request, membership) -> None:
        """
        A new member's welcome, naming the tier they joined: it stands in for allauth's
        "You have confirmed…" and "Successfully signed in…". The reader is on their way
        back to the briefing they came from, at the first section it unlocks (the lock
        card's `next` names it: briefings.reading.lock_card_url).
        """
        if membership is None or request is None:
            return
        messages.success(request, welcome_message(Tier.name_of(membership.tier)))
        request.members_welcomed = True
        reader_converted.send(
            sender=type(self),
            request=request,
            user=membership.user,
            kind="signup",
            tier=membership.tier,
        )

    # allauth's own messages that a welcome replaces.
    WELCOME_REPLACES = {
        "account/messages/email_confirmed.txt",
        "account/messages/logged_in.txt",
    }

    def add_message(self, request, level, message_template=None, *args, **kwargs):
        if (
            getattr(request, "members_welcomed", False)
            and message_template in self.WELCOME_REPLACES
        ):
            return
        return super().add_message(request, level, message_template, *args, **kwargs)

    def invitation_accept_pending(self, request, user):
        token = pending_invitation_take(request)
        if not token:
            return
        invitation = selectors.invitation_find(token)
        if invitation is None:
            return
        try:
            membership = services.invitation_accept(invitation=invitation, user=user)
        except services.InvitationForAnotherAddress:
            messages.info(
                request,
                "The invitation opened in this browser was sent to another address: open "
                "its link again to accept it for this account.",
            )
        except services.MembershipError as error:
            messages.warning(request, str(error))
        else:
            messages.success(
                request,
                f"Welcome to the {Audience(membership.tier).label}: your invitation is accepted.",
            )

    def send_mail(self, template_prefix, email, context):
        # Without django.contrib.sites allauth would sign its e-mails with the host name.
        # Rendered here, sent by the task worker (members/tasks.py).
        site = SimpleNamespace(name=settings.SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc)
        context = {"email": email, "current_site": site, **context}
        email_queue(self.render_mail(template_prefix, email, context))

    def get_signup_redirect_url(self, request):
        # Without a `next`, a new member lands on their account page: what they joined.
        return reverse("members:account")
