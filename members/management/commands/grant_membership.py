"""
`manage.py grant_membership EMAIL TIER [--until YYYY-MM-DD]`

Creates the user if needed and gives them the tier, ending on that date if given (through
the whole day, site time zone). A past date records a membership that has already ended.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from members import access, services
from members.access import Audience
from members.models import Membership


class Command(BaseCommand):
    help = "Give a user (created if needed) a membership tier, optionally until a date."

    def add_arguments(self, parser):
        parser.add_argument("email", help="The member's e-mail address.")
        tiers = ", ".join(tier.slug for tier in access.TIERS)
        parser.add_argument("tier", help=f"The tier: {tiers}.")
        parser.add_argument(
            "--until",
            metavar="YYYY-MM-DD",
            help="Last day of the membership. A past date records a membership already ended.",
        )
        parser.add_argument("--note", default="", help="Kept on the membership for managers.")

    def handle(self, *args, email, tier, until, note, **options):
        email = email.strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"{email!r} is not a valid e-mail address.") from None
        try:
            audience = Audience.from_slug(tier)
        except ValueError:
            audience = None
        if audience not in access.TIERS:
            names = ", ".join(t.slug for t in access.TIERS)
            raise CommandError(f"Unknown tier {tier!r}. Use one of: {names}.")
        ends_at = None
        if until is not None:
            try:
                ends_at = services.end_of_day(date.fromisoformat(until))
            except ValueError:
                raise CommandError(
                    f"--until {until!r} is not a date. Use YYYY-MM-DD, e.g. 2027-06-30."
                ) from None

        with transaction.atomic():
            # They sign in by e-mailed code, or set a password through "reset password".
            user, created = services.user_get_or_create_for_email(email=email)
            services.membership_grant(
                user=user,
                tier=audience,
                source=Membership.Source.COMPLIMENTARY,
                ends_at=ends_at,
                note=note or "Granted with manage.py grant_membership.",
            )

        who = f"Created {email} and gave" if created else f"Gave {email}"
        if ends_at is None:
            span = "with no end date"
        elif ends_at <= timezone.now():
            span = f"recorded as ended on {until} (it is not active)"
        else:
            span = f"until {until}"
        self.stdout.write(self.style.SUCCESS(f"{who} {audience.label} {span}."))
