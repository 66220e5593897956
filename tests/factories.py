"""Test data, in one place (factory_boy)."""

from datetime import timedelta

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
    password = factory.django.Password("correct horse battery staple")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    tier = Audience.STRATEGIC_CIRCLE
    source = Membership.Source.SIGNUP
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))


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


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    title = factory.Sequence(lambda n: f"Public reference {n}")
    publisher = "Example Wire"
    url = factory.Sequence(lambda n: f"https://example.org/report-{n}")


class BriefingFactory(factory.django.DjangoModelFactory):
    """A published briefing, live since an hour ago."""

    class Meta:
        model = Briefing

    kind = Briefing.Kind.SIGNAL_BRIEF
    title = factory.Sequence(lambda n: f"Briefing number {n}")
    slug = factory.Sequence(lambda n: f"briefing-{n}")
    summary = "A public summary of the briefing."
    status = Briefing.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    category = factory.SubFactory(CategoryFactory)
    region = factory.SubFactory(RegionFactory)
    topic = factory.SubFactory(TopicFactory)


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    briefing = factory.SubFactory(BriefingFactory)
    position = factory.Sequence(lambda n: n)
    heading = factory.Sequence(lambda n: f"Section {n}")
    body = "Public section text."
    audience = Audience.PUBLIC


class CitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citation

    briefing = factory.SubFactory(BriefingFactory)
    source = factory.SubFactory(SourceFactory)
    position = factory.Sequence(lambda n: n)
    note = ""


# --- Newsroom: staff in the writers and editors groups (created by a data migration) ---


class StaffFactory(UserFactory):
    """A staff user in the named group (`writers`, `editors`, or None for no group)."""

    class Meta:
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"staff{n}@example.org")
    is_staff = True
    # Staff sign in through force_login in tests; hashing a password costs a second each.
    password = factory.django.Password(None)

    @factory.post_generation
    def group(self, create, extracted, **kwargs):
        if create and extracted:
            from django.contrib.auth.models import Group

            if not Group.objects.filter(name=extracted).exists():
                # A transactional test's flush removed what the data migration made;
                # make the groups again with the migration's own code and lists.
                import importlib
                from pathlib import Path

                from django.apps import apps

                import briefings.migrations

                [path] = Path(briefings.migrations.__file__).parent.glob(
                    "*_writers_and_editors_groups.py"
                )
                migration = importlib.import_module(f"briefings.migrations.{path.stem}")
                migration.create_groups(apps, None)
            self.groups.add(Group.objects.get(name=extracted))


def ready_briefing(**kwargs):
    """A draft that passes every pre-publish check: a public section and a linked source."""
    kwargs.setdefault("status", Briefing.Status.DRAFT)
    kwargs.setdefault("published_at", None)
    kwargs.setdefault("impact", Briefing.Impact.MEDIUM)
    kwargs.setdefault("confidence", 90)
    briefing = BriefingFactory(**kwargs)
    SectionFactory(briefing=briefing, heading="The fact", body="Public text.", position=1)
    CitationFactory(briefing=briefing, position=1)
    return briefing
