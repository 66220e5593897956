"""
What organisations listens to: allauth's `email_confirmed` (a reader at a verified domain
is given or offered a seat), a seat's membership ended outside this app (the seat is
released), and Django's `user_logged_in` (a sign-in is a visit). The receivers only call
services.
"""

from allauth.account.signals import email_confirmed
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver

from members.models import Membership
from organisations import invitations, services, visits


@receiver(email_confirmed, dispatch_uid="organisations-domain-join")
def address_confirmed(sender, request, email_address, **kwargs):
    result = invitations.domain_join(user=email_address.user, email_address=email_address)
    if result is None or request is None or not hasattr(request, "_messages"):
        return
    kind, thing = result
    if kind == "seat":
        messages.success(
            request,
            f"Welcome: {thing.licence.name}'s licence gives you a seat, and with it "
            f"everything the {thing.licence.get_tier_display()} unlocks.",
        )
    else:
        messages.info(
            request,
            f"{thing.licence.name} has a licence for colleagues at your address: we have "
            "e-mailed you an invitation to take a seat.",
        )


@receiver(post_save, sender=Membership, dispatch_uid="organisations-seat-membership-ended")
def membership_saved(sender, instance, created, **kwargs):
    # A seat's membership ended early elsewhere (the account deleted, a manager's "End
    # now"): the seat is given up with it, so it no longer counts against the licence.
    if not created and instance.source == Membership.Source.SEAT:
        services.seat_release_if_membership_ended(membership=instance)


@receiver(user_logged_in, dispatch_uid="organisations-seen-on-sign-in")
def signed_in(sender, request, user, **kwargs):
    visits.visit_record(request, user_id=user.pk)
