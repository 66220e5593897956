"""manage.py grant_membership EMAIL TIER [--until YYYY-MM-DD], as PRODUCT.md states it."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from members import services
from members.access import Audience
from members.models import Membership, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def grant(*args):
    out = StringIO()
    call_command("grant_membership", *args, stdout=out)
    return out.getvalue()


def test_creates_the_user_and_grants_an_open_ended_tier():
    output = grant("New.Person@Example.org", "leadership-alliance")
    user = User.objects.get(email="new.person@example.org")
    assert not user.has_usable_password()
    membership = user.memberships.get()
    assert membership.tier == Audience.LEADERSHIP_ALLIANCE
    assert membership.source == Membership.Source.COMPLIMENTARY
    assert membership.ends_at is None
    assert membership.is_active_at(timezone.now())
    assert "Created new.person@example.org" in output and "no end date" in output


def test_an_existing_user_keeps_their_account_and_gets_the_tier_until_the_date():
    user = UserFactory()
    until = date.today() + timedelta(days=60)
    output = grant(user.email, "strategic-circle", "--until", until.isoformat())
    assert User.objects.count() == 1
    membership = user.memberships.get()
    assert membership.tier == Audience.STRATEGIC_CIRCLE
    # Through the whole of the last day.
    assert membership.ends_at == services.end_of_day(until)
    assert membership.is_active_at(services.end_of_day(until) - timedelta(seconds=1))
    assert f"until {until.isoformat()}" in output
    assert user.has_perm("members.read_strategic_circle")


def test_a_past_date_records_a_membership_that_has_already_ended():
    output = grant("old@example.org", "leadership-alliance", "--until", "2020-01-31")
    user = User.objects.get(email="old@example.org")
    membership = user.memberships.get()
    assert membership.ends_at == services.end_of_day(date(2020, 1, 31))
    assert not membership.is_active_at(timezone.now())
    assert not user.has_perm("members.read_leadership_alliance")
    assert "already ended" in output or "ended on 2020-01-31" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["not-an-email", "strategic-circle"], "not a valid e-mail address"),
        (
            ["a@example.org", "gold"],
            "Unknown tier 'gold'. Use one of: strategic-circle, leadership-alliance",
        ),
        (["a@example.org", "public"], "Unknown tier 'public'"),
        (
            ["a@example.org", "strategic-circle", "--until", "31/01/2027"],
            "is not a date. Use YYYY-MM-DD",
        ),
        (["a@example.org", "strategic-circle", "--until", "2027-02-30"], "is not a date"),
    ],
)
def test_bad_input_is_refused_clearly_and_changes_nothing(args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(".", r"\.")):
        grant(*args)
    assert not User.objects.exists()
    assert not Membership.objects.exists()
