"""Factories for the whole suite: the one place test data is built."""

import io
from datetime import timedelta

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw

from briefings.images import processing
from briefings.images.models import Image
from briefings.models import Briefing, Category, Citation, Region, Section, Source, Topic
from members.access import Audience
from members.models import Application, Membership, User
from organisations.models import Licence

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
    """
    A staff user with a TOTP authenticator, so admin does not send them to set up MFA,
    in the named group (`writers`, `editors`, or none) when `group=` is given.
    """

    email = factory.Sequence(lambda n: f"staff{n}@example.org")
    is_staff = True

    @factory.post_generation
    def mfa(self, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        self.totp_secret = generate_totp_secret()
        TOTP.activate(self, self.totp_secret)

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
                # Permissions later migrations give the groups.
                importlib.import_module(
                    "briefings.migrations.0015_lock_card_conversions"
                ).grant_view(apps, None)
                # Permissions later migrations gave the groups (the image library).
                [path] = Path(briefings.migrations.__file__).parent.glob(
                    "*_image_library_permissions.py"
                )
                importlib.import_module(f"briefings.migrations.{path.stem}").grant(apps, None)
            self.groups.add(Group.objects.get(name=extracted))


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


class LicenceFactory(factory.django.DjangoModelFactory):
    """A Leadership Alliance licence for two seats, running for a year from yesterday."""

    class Meta:
        model = Licence
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Organisation {n}")
    tier = Audience.LEADERSHIP_ALLIANCE
    seat_count = 2
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=365))

    @factory.post_generation
    def administrators(self, create, extracted, **kwargs):
        if create and extracted:
            self.administrators.add(*extracted)


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
    slug = factory.Sequence(lambda n: f"briefing-{n}")
    summary = "A public summary of the briefing."
    status = Briefing.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
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


def members_migration_data():
    """
    The rows the members data migrations create (tier wording, the membership managers
    group), again: a transactional test's flush removes them for the tests after it.
    """
    from importlib import import_module

    from django.apps import apps

    import_module("members.migrations.0002_tiers").create_tiers(apps, None)
    import_module("members.migrations.0008_tier_offer_wording").update_wording(apps, None)
    import_module("members.migrations.0004_membership_managers_group").create_group(apps, None)
    import_module("organisations.migrations.0002_membership_managers_manage_licences").grant(
        apps, None
    )


def gated_briefing(
    *,
    public="Public text anyone may read.",
    circle="Text for Strategic Circle members.",
    alliance="Text for Leadership Alliance members.",
    source=None,
    note="",
    **kwargs,
):
    """
    A published briefing with a section for every audience, in reading order: "The fact"
    (public), "Deeper Trend Context" (Strategic Circle) and "Failure paths" (Leadership
    Alliance), and one citation of `source` (a new one by default) with `note`, which only
    the Leadership Alliance reads. `kwargs` go to BriefingFactory.
    """
    briefing = BriefingFactory(**kwargs)
    parts = [
        ("The fact", public, Audience.PUBLIC),
        ("Deeper Trend Context", circle, Audience.STRATEGIC_CIRCLE),
        ("Failure paths", alliance, Audience.LEADERSHIP_ALLIANCE),
    ]
    for position, (heading, body, audience) in enumerate(parts, start=1):
        SectionFactory(
            briefing=briefing, position=position, heading=heading, body=body, audience=audience
        )
    CitationFactory(briefing=briefing, position=1, source=source or SourceFactory(), note=note)
    return briefing


def ready_briefing(**kwargs):
    """A draft that passes every pre-publish check: a public section and a linked source."""
    kwargs.setdefault("kind", Briefing.Kind.SIGNAL_BRIEF)
    kwargs.setdefault("status", Briefing.Status.DRAFT)
    kwargs.setdefault("published_at", None)
    kwargs.setdefault("impact", Briefing.Impact.MEDIUM)
    kwargs.setdefault("confidence", 90)
    briefing = BriefingFactory(**kwargs)
    SectionFactory(briefing=briefing, heading="The fact", body="Public text.", position=1)
    CitationFactory(briefing=briefing, position=1)
    return briefing


def image_bytes(width=1800, height=1200, fmt="JPEG", *, exif=None, colour=(40, 90, 160)) -> bytes:
    """An image file's bytes, drawn so that resizing has something to keep."""
    mode = "RGBA" if fmt in {"PNG", "WEBP"} else "RGB"
    picture = PILImage.new(mode, (width, height), colour)
    ImageDraw.Draw(picture).ellipse(
        (width // 4, height // 4, width * 3 // 4, height * 3 // 4), fill=(230, 160, 40)
    )
    out = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    picture.save(out, fmt, **options)
    return out.getvalue()


def image_upload(name="photo.jpg", data=None, **kwargs):
    return SimpleUploadedFile(name, data if data is not None else image_bytes(**kwargs))


def library_image(*, title="Substation at dusk", alt_text="A substation at dusk", **kwargs):
    """An image in the library, uploaded through the same checks and renditions as admin."""
    upload = image_upload(**{k: kwargs.pop(k) for k in ("width", "height", "fmt") if k in kwargs})
    stored = processing.cleaned_store(processing.upload_cleaned(upload))
    return Image.objects.create(title=title, alt_text=alt_text, **stored, **kwargs)
