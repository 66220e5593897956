"""Factories for the whole suite: the one place test data is built."""

import datetime as dt

import factory
from django.utils import timezone

from briefings.models import Briefing, Category, Citation, Region, Section, Source, Topic
from members.access import Audience
from members.models import Membership, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"reader{n}@example.org")
    password = factory.django.Password("a-long-test-password")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    tier = Audience.STRATEGIC_CIRCLE
    source = Membership.Source.SIGNUP
    starts_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    ends_at = None


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Category {n}")


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Region {n}")


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Topic {n}")


class BriefingFactory(factory.django.DjangoModelFactory):
    """A published briefing, live since an hour ago."""

    class Meta:
        model = Briefing

    kind = Briefing.Kind.ARTICLE
    title = factory.Sequence(lambda n: f"Briefing number {n}")
    summary = "A public summary of the briefing."
    status = Briefing.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))
    category = factory.SubFactory(CategoryFactory)
    region = factory.SubFactory(RegionFactory)
    topic = factory.SubFactory(TopicFactory)

    class Params:
        signal_brief = factory.Trait(
            kind=Briefing.Kind.SIGNAL_BRIEF,
            impact=Briefing.Impact.MEDIUM,
            confidence=90,
            signal_focus="Technology",
            primary_domain="Technology",
            reporting_summary="What was reported.",
            key_points="First point\nSecond point",
            signal="The signal",
            signal_type="Partnership",
            market_class="Datacenter",
            operating_surface="Who is exposed",
            market_context="Why it matters",
            operational_relevance=Briefing.Impact.MEDIUM,
            time_horizon="Next quarter",
            watch_items="What comes next",
        )


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    briefing = factory.SubFactory(BriefingFactory)
    position = factory.Sequence(int)
    heading = factory.Sequence(lambda n: f"Section {n}")
    body = factory.Sequence(lambda n: f"Public text of section {n}.")
    audience = Audience.PUBLIC


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    title = factory.Sequence(lambda n: f"Source {n}")
    publisher = "Example Press"
    url = factory.Sequence(lambda n: f"https://example.org/source/{n}")


class CitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citation

    briefing = factory.SubFactory(BriefingFactory)
    source = factory.SubFactory(SourceFactory)
    position = factory.Sequence(int)
    note = ""
