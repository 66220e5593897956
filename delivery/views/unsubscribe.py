"""
Where an e-mail's unsubscribe link leads. It works without signing in: the signed token
names the account and what to stop (delivery.tokens).

GET shows what the link would do and a button, and never changes anything: mail
scanners follow links. POST does it; that includes the one-click POST a mail client
sends by itself (RFC 8058, body `List-Unsubscribe=One-Click`), which carries no CSRF
token: the signed token is what proves the request, so this view alone is CSRF-exempt.
A forged, expired or outdated token, or one whose work is already done, changes nothing.
The answer is never cached and sends no Referer (the token is in the address).
"""

import re

from django.contrib.auth import get_user_model
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from delivery.emails import preferences_url
from delivery.suppression import scope_target, unsubscribe_apply, unsubscribe_is_done
from delivery.tokens import SCOPE_ALL, BadToken, link_claim

UNSUBSCRIBE_SCOPE_RE = re.compile(r"^(all|follow:\d+|search:\d+)$")
ONE_CLICK = "One-Click"


def active_user(pk: int):
    return get_user_model().objects.filter(pk=pk, is_active=True).first()


def what_stops(user, scope: str) -> str:
    if scope == SCOPE_ALL:
        return "every briefing, alert and digest e-mail"
    target = scope_target(user=user, scope=scope)
    if target is None:
        return "e-mails about this"
    if scope.startswith("follow:"):
        return f"e-mails about {target.target}"
    return f"alerts for your saved search “{target.name}”"


@method_decorator([never_cache, csrf_exempt], name="dispatch")
class UnsubscribeView(View):
    template_name = "delivery/unsubscribe.html"

    def dispatch(self, request, *args, **kwargs):
        try:
            claim, user = link_claim(kwargs["token"], user_lookup=active_user)
            if not UNSUBSCRIBE_SCOPE_RE.match(claim.scope):
                raise BadToken("This link is not one we sent.")
        except BadToken as problem:
            return self.page({"state": "bad", "problem": str(problem)}, status=400)
        self.user, self.scope = user, claim.scope
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, token):
        state = "confirm"
        if unsubscribe_is_done(user=self.user, scope=self.scope):
            state = "done" if request.GET.get("done") else "already"
        return self.page(
            {
                "state": state,
                "email": self.user.email,
                "stops": what_stops(self.user, self.scope),
                "preferences_url": preferences_url(self.user),
            }
        )

    def post(self, request, token):
        stops = what_stops(self.user, self.scope)
        changed = unsubscribe_apply(user=self.user, scope=self.scope)
        if request.POST.get("List-Unsubscribe") == ONE_CLICK:
            # A mail client's one-click request: answer it here, no redirect.
            context = {"state": "done" if changed else "already", "stops": stops}
            return self.page({**context, "email": self.user.email})
        return redirect(f"{request.path}?done=1" if changed else request.path, permanent=False)

    def page(self, context, *, status=200):
        response = render(self.request, self.template_name, context, status=status)
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex"
        return response
