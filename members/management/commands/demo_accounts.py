"""
`manage.py demo_accounts [--code]`: accounts to see the site as each reader and as an
editor, on a development machine (`make run` makes them). DEBUG only: their password is
written here and printed, so with DEBUG off the command refuses and creates nothing.

- a member of the tier signing up grants, a member of the tier granted on application
  (for a year), and a lapsed one of that tier (ended a month ago, still in the free one);
- an editor: staff in the `editors` group. Admin asks staff for a second factor
  (StaffMFARequiredMiddleware) on every machine, this one too, so the editor has an
  authenticator (TOTP) whose secret this machine made and the command prints, with an
  otpauth:// address for an authenticator app; `--code` prints the code of the moment
  instead, for signing in without an app.

Safe to run again: existing demo accounts keep their history; the password is set again.
"""

import datetime as dt
from urllib.parse import quote

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from members import services
from members.access import APPLICATION_TIER, SIGNUP_TIER
from members.models import Membership, User

DEMO_PASSWORD = "demo-password"  # noqa: S105 - a development machine's demo accounts only
NOTE = "Demo account (manage.py demo_accounts)."
CIRCLE = "circle.member@example.org"
ALLIANCE = "alliance.member@example.org"
LAPSED = "lapsed.member@example.org"
EDITOR = "editor@example.org"
EDITORS_GROUP = "editors"


def totp_secret(user) -> str:
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    return decrypt(authenticator.data["secret"])


def totp_code_now(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


class Command(BaseCommand):
    help = "Make demo members of each tier and a demo editor; print how to sign in (DEBUG only)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--code",
            action="store_true",
            help="Print the demo editor's authenticator code of the moment and stop.",
        )

    def handle(self, *args, code, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Demo accounts have a published password, so they are made only on a "
                "development machine (DEBUG=true). Nothing was created. To give a real "
                "person a membership, use `manage.py grant_membership EMAIL TIER`."
            )
        if code:
            editor = User.objects.filter(email=EDITOR).first()
            if editor is None:
                raise CommandError("No demo editor yet: run `manage.py demo_accounts` first.")
            self.stdout.write(totp_code_now(totp_secret(editor)))
            return
        with transaction.atomic():
            now = timezone.now()
            circle = self.account(CIRCLE)
            self.member_of_signup_tier(circle)
            alliance = self.account(ALLIANCE)
            self.member_of_signup_tier(alliance)
            if not alliance.memberships.filter(tier=APPLICATION_TIER).exists():
                services.membership_grant(
                    user=alliance,
                    tier=APPLICATION_TIER,
                    source=Membership.Source.COMPLIMENTARY,
                    ends_at=services.months_after(now, 12),
                    note=NOTE,
                )
            lapsed = self.account(LAPSED)
            self.member_of_signup_tier(lapsed)
            if not lapsed.memberships.filter(tier=APPLICATION_TIER).exists():
                services.membership_grant(
                    user=lapsed,
                    tier=APPLICATION_TIER,
                    source=Membership.Source.COMPLIMENTARY,
                    starts_at=now - dt.timedelta(days=395),
                    ends_at=now - dt.timedelta(days=30),
                    note=NOTE,
                )
            editor = self.account(EDITOR)
            editor.is_staff = True
            editor.save(update_fields=["is_staff"])
            editor.groups.add(Group.objects.get(name=EDITORS_GROUP))
            if not Authenticator.objects.filter(user=editor, type=Authenticator.Type.TOTP).exists():
                TOTP.activate(editor, generate_totp_secret())
        self.report(totp_secret(editor))

    def account(self, email: str):
        user, _ = services.user_get_or_create_for_email(email=email)
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        EmailAddress.objects.filter(user=user, email=email).update(verified=True, primary=True)
        return user

    def member_of_signup_tier(self, user):
        if not user.memberships.filter(tier=SIGNUP_TIER).exists():
            services.membership_grant(user=user, tier=SIGNUP_TIER, source=Membership.Source.SIGNUP)

    def report(self, secret: str):
        issuer = quote(settings.MFA_TOTP_ISSUER)
        otpauth = f"otpauth://totp/{issuer}:{quote(EDITOR)}?secret={secret}&issuer={issuer}"
        free, granted = SIGNUP_TIER.label, APPLICATION_TIER.label
        rows = [
            (CIRCLE, f"{free} member"),
            (ALLIANCE, f"{granted} member for a year"),
            (LAPSED, f"{granted} ended a month ago; still {free}"),
            (EDITOR, "editor: staff in the 'editors' group, for /admin/"),
        ]
        self.stdout.write(
            self.style.SUCCESS(f"Demo accounts (this machine only), password: {DEMO_PASSWORD}")
        )
        for email, what in rows:
            self.stdout.write(f"  {email:<30} {what}")
        self.stdout.write(
            "  Admin asks the editor for an authenticator code: add this secret to an "
            f"authenticator app\n    {secret}\n    ({otpauth})\n"
            "  or print the code of the moment: .venv/bin/python manage.py demo_accounts --code"
        )
