"""Where the account pages lead on to."""

from django import template
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from members.middleware import MFA_SETUP_NEXT_SESSION_KEY

register = template.Library()


@register.simple_tag(takes_context=True)
def after_mfa_setup_url(context) -> str:
    """
    Where the recovery codes page at the end of two-factor set-up continues to: the admin
    page a staff member was going to when sent to set it up, else admin for staff, else
    the reader's account page.
    """
    request = context["request"]
    going = request.session.get(MFA_SETUP_NEXT_SESSION_KEY)
    if going and url_has_allowed_host_and_scheme(going, allowed_hosts={request.get_host()}):
        return going
    if request.user.is_staff:
        return reverse("admin:index")
    return reverse("members:account")
