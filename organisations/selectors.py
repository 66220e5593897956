"""
Reads for the team page and admin. A client's administrator reaches a licence only through
`licence_for_administrator`: any other licence is a 404, exactly like one that does not
exist.
"""

from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from organisations.models import Licence, SeatInvitation

AUDIT_LOG_LENGTH = 100


def licence_for_administrator(*, user, licence_id) -> Licence:
    licence = Licence.objects.administered_by(user).filter(pk=licence_id).first()
    if licence is None:
        raise Http404("No such team.")
    return licence


def licences_with_seat_counts(queryset=None):
    """Licences annotated with `seats_held` (for admin's list)."""
    queryset = queryset if queryset is not None else Licence.objects.all()
    return queryset.annotate(
        seats_held=Count("seats", filter=Q(seats__removed_at__isnull=True), distinct=True)
    )


def team(licence):
    """Everything the team page shows, in a fixed number of queries."""
    now = timezone.now()
    holders = list(licence.seats.held().select_related("user").order_by("number"))
    invitations = list(
        SeatInvitation.objects.usable(now).filter(licence=licence).order_by("created_at")
    )
    administrators = list(licence.administrators.order_by("email"))
    events = list(licence.events.all()[:AUDIT_LOG_LENGTH])
    free = max(licence.seat_count - len(holders) - len(invitations), 0)
    return {
        "licence": licence,
        "state": licence.state_at(now),
        "holders": holders,
        "invitations": invitations,
        "administrators": administrators,
        "events": events,
        "seats_held": len(holders),
        "seats_promised": len(invitations),
        "seats_free": free,
        "now": now,
    }
