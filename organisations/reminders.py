"""
Renewal reminders: before a licence ends, its client's administrators and the membership
managers are e-mailed, once per licence, end date and window (`LicenceReminder` is unique
on the three, so a command run twice, or by two servers, sends each reminder once). A
renewed licence has a new end date, and so its own reminders. Run daily:
`manage.py send_licence_reminders`.
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from members import selectors as member_selectors
from members import services as member_services
from members.access import Audience
from organisations.models import Licence, LicenceEvent, LicenceReminder
from organisations.services import event_record

# Days before the end at which reminders go out, furthest first.
REMINDER_DAYS = (30, 7)


def reminders_due(*, at):
    """(licence, days) for every reminder whose window has opened and was not sent."""
    due = []
    furthest = at + timedelta(days=max(REMINDER_DAYS))
    licences = Licence.objects.filter(ends_at__gt=at, ends_at__lte=furthest).prefetch_related(
        "reminders"
    )
    for licence in licences:
        sent = {(r.ends_at, r.days_before) for r in licence.reminders.all()}
        # Only the nearest window that has opened: a licence created a week before its
        # end gets the 7-day reminder, not the 30-day one as well.
        opened = [d for d in REMINDER_DAYS if licence.ends_at <= at + timedelta(days=d)]
        days = min(opened)
        if (licence.ends_at, days) not in sent:
            due.append((licence, days))
    return due


def licence_reminders_send(*, at=None) -> int:
    """Queue every due reminder's e-mails; returns how many reminders went out."""
    at = at or timezone.now()
    count = 0
    for licence, days in reminders_due(at=at):
        try:
            with transaction.atomic():
                LicenceReminder.objects.create(
                    licence=licence, ends_at=licence.ends_at, days_before=days
                )
                event_record(
                    licence=licence,
                    action=LicenceEvent.Action.REMINDED,
                    detail=f"{days} days before the end ({licence.last_moment:%Y-%m-%d}).",
                )
        except IntegrityError:
            continue  # sent by another run meanwhile
        _reminder_emails(licence=licence, days=days)
        count += 1
    return count


def _reminder_emails(*, licence, days):
    context = {
        "licence": licence,
        "days": days,
        "tier_name": Audience(licence.tier).label,
        "seats_held": licence.seats.held().count(),
    }
    team_url = member_services.site_url(reverse("organisations:team", args=[licence.pk]))
    for admin in licence.administrators.filter(is_active=True):
        member_services.email_send(
            template="renewal_client",
            folder="organisations/email",
            to=admin.email,
            context={**context, "team_url": team_url},
        )
    admin_url = member_services.site_url(
        reverse("admin:organisations_licence_change", args=[licence.pk])
    )
    for address in member_selectors.membership_manager_addresses():
        member_services.email_send(
            template="renewal_manager",
            folder="organisations/email",
            to=address,
            context={**context, "admin_url": admin_url},
        )
