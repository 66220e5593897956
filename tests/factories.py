"""The one place tests build model instances."""

from datetime import timedelta

import factory
from django.utils import timezone

from briefings.models import Briefing, Category, Citation, Section, Source
from members.access import Audience
from members.models import Application, Membership, User

PASSWORD = "a-long-test-password-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"reader{n}@example.org")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """A verified primary e-mail address, as allauth keeps it (pass verified=False to skip)."""
        if not create or extracted is False:
            return
        from allauth.account.models import EmailAddress

        EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=True)


class StaffFactory(UserFactory):
    """A staff user with a TOTP authenticator, so admin does not send them to set up MFA."""

    is_staff = True

    @factory.post_generation
    def mfa(self, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        self.totp_secret = generate_totp_secret()
        TOTP.activate(self, self.totp_secret)


def totp_code(secret: str) -> str:
    """The authenticator-app code for `secret` right now, for signing staff in."""
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    tier = Audience.STRATEGIC_CIRCLE
    source = Membership.Source.SIGNUP
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=30))
    ends_at = None


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    user = factory.SubFactory(UserFactory)
    tier = Audience.LEADERSHIP_ALLIANCE
    name = "Ada Example"
    organisation = "Example Grid Partners"
    role = "Head of infrastructure investment"
    reason = "We underwrite data centre projects and need the relationship evidence."


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["name"]

    name = "Datacenter"


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    title = factory.Sequence(lambda n: f"Public reference {n}")
    publisher = "Example Publisher"
    url = factory.Sequence(lambda n: f"https://example.org/report-{n}")


class BriefingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Briefing

    kind = Briefing.Kind.SIGNAL_BRIEF
    title = factory.Sequence(lambda n: f"Demo briefing {n}")
    summary = "A demo summary that anyone may read."
    status = Briefing.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    category = factory.SubFactory(CategoryFactory)


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    briefing = factory.SubFactory(BriefingFactory)
    position = factory.Sequence(lambda n: n)
    heading = factory.Sequence(lambda n: f"Section {n}")
    body = "Demo section text."
    audience = Audience.PUBLIC


class CitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citation

    briefing = factory.SubFactory(BriefingFactory)
    source = factory.SubFactory(SourceFactory)
    position = factory.Sequence(lambda n: n)
    note = "Demo source note."
