"""
The content model.

Articles and signal briefs are one model with a `kind`: they share the headline,
publishing and taxonomy fields, every list and feed shows both, and one table keeps the
queries and the admin simple. The signal-brief fields (classification panel, signal
brief, market context) are optional columns that only signal briefs fill in. A briefing's
body is its ordered sections, each with a minimum audience; sources are reusable and
cited in order, each citation with a note whose audience is fixed by the access rule.
"""

from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from simple_history import register as register_history

from briefings.fields import TextField
from briefings.hot_paths import slug_url
from briefings.images.models import PICTURE_FIELDS, image_field
from briefings.images.references import section_html
from briefings.markdown import render_markdown
from briefings.slugs import slug_from, title_slug
from members import access
from members.access import Audience


class Taxonomy(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=140, unique=True)
    description = TextField(blank=True, help_text="Shown on the coverage page.")

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slug_from(self.name, max_length=140, fallback=type(self).__name__)
        super().save(*args, **kwargs)


class Category(Taxonomy):
    class Meta(Taxonomy.Meta):
        verbose_name_plural = "categories"

    def get_absolute_url(self):
        return slug_url("briefings:category", self.slug)


class Region(Taxonomy):
    def get_absolute_url(self):
        return slug_url("briefings:region", self.slug)


class Topic(Taxonomy):
    def get_absolute_url(self):
        return slug_url("briefings:topic", self.slug)


class Source(models.Model):
    """A public reference that briefings cite. Its title and link are public."""

    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, blank=True)
    published_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(fields=["url"])]

    def __str__(self):
        return f"{self.title} ({self.publisher})" if self.publisher else self.title


class BriefingQuerySet(models.QuerySet):
    """The read rules. Every reader-facing list, page, feed and sitemap starts here."""

    def published(self, *, at=None):
        """
        Live briefings: published or scheduled, with a publish time that has come.
        Scheduling needs no background job: visibility is decided at read time.
        `Briefing.is_live(at)` answers the same for one briefing, from its `live_from`.
        """
        at = at or timezone.now()
        return self.filter(
            status__in=Briefing.LIVE_STATUSES,
            published_at__lte=at,
        )

    def scheduled(self, *, at=None):
        """Briefings to go live later: published or scheduled, with a publish time to come."""
        at = at or timezone.now()
        return self.filter(status__in=Briefing.LIVE_STATUSES, published_at__gt=at)

    def with_taxonomy(self):
        return self.select_related("category", "region", "topic")

    def with_images(self):  # the lead and social images, in the same query
        return self.select_related("lead_image", "social_image")

    def for_cards(self):
        """
        What a card in a list shows, and nothing more: the long signal-brief text stays
        in the database, so a page of cards reads narrow rows (and the lead image).
        """
        return (
            self.with_taxonomy().select_related("lead_image").only(*CARD_FIELDS).with_gated_parts()
        )

    def for_search_results(self):
        """What a search result shows: a card's headline, with the category alone."""
        return self.select_related("category", "lead_image").only(*RESULT_FIELDS).with_gated_parts()

    def with_gated_parts(self):
        """
        Annotate, for each tier, whether the briefing has a section at that audience, and
        whether any citation carries a note, without fetching a word of gated text: the
        reader pages need to know which lock cards to show, never what is behind them.
        """
        annotations = {
            gated_annotation(tier): Exists(
                Section.objects.filter(briefing=OuterRef("pk"), audience=tier)
            )
            for tier in access.TIERS
        }
        annotations["has_source_notes"] = Exists(
            Citation.objects.filter(briefing=OuterRef("pk")).exclude(note="")
        )
        return self.annotate(**annotations)


# What a search result shows: the headline of a card, with the category alone.
RESULT_FIELDS = (
    "kind",
    "title",
    "slug",
    "summary",
    "status",
    "published_at",
    "category__name",
    "category__slug",
    *(f"lead_image__{name}" for name in PICTURE_FIELDS),
)
CARD_FIELDS = (
    *RESULT_FIELDS,
    "confidence",
    "impact",
    "region__name",
    "region__slug",
    "topic__name",
    "topic__slug",
)


def gated_annotation(tier) -> str:
    """The name of the `with_gated_parts()` annotation for sections at `tier`."""
    return f"has_{Audience(tier).slug.replace('-', '_')}_sections"


class Briefing(models.Model):
    class Kind(models.TextChoices):
        ARTICLE = "article", "Article"
        SIGNAL_BRIEF = "signal-brief", "Signal briefing"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        REVIEW = "review", "In review"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    # Statuses that are live once their publish time has come.
    LIVE_STATUSES = (Status.PUBLISHED, Status.SCHEDULED)

    class Impact(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    # Headline
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.ARTICLE)
    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=200, unique=True)
    summary = TextField(
        help_text="Public. The standfirst under the title, in lists, feeds and search results."
    )
    authors = models.CharField(
        max_length=300, blank=True, help_text="Public byline: names separated by commas."
    )

    # Search and sharing (briefings.seo): empty means the title and summary stand in.
    meta_title = models.CharField(max_length=200, blank=True)
    meta_description = TextField(max_length=320, blank=True)
    lead_image = image_field("briefings_led", "Public. Heads the page and its cards.")
    social_image = image_field("briefings_shared", "Public. For shared links, if not the lead.")

    # Publishing
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="When it goes live; a future time schedules it."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Raised on every save; guards against lost edits."
    )

    # Taxonomy
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="briefings"
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="briefings"
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.PROTECT, null=True, blank=True, related_name="briefings"
    )

    # Classification panel (signal briefs): each value with a one-line rationale. All public.
    category_rationale = models.CharField(max_length=500, blank=True)
    region_rationale = models.CharField(max_length=500, blank=True)
    signal_focus = models.CharField(max_length=120, blank=True)
    signal_focus_rationale = models.CharField(max_length=500, blank=True)
    content_type_rationale = models.CharField(max_length=500, blank=True)
    primary_domain = models.CharField(max_length=120, blank=True)
    primary_domain_rationale = models.CharField(max_length=500, blank=True)
    topic_rationale = models.CharField(max_length=500, blank=True)
    impact = models.CharField(max_length=10, choices=Impact.choices, blank=True)
    impact_rationale = models.CharField(max_length=500, blank=True)
    confidence = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Percent, 0 to 100.",
    )
    confidence_rationale = models.CharField(max_length=500, blank=True)

    # Published reporting
    reporting_summary = TextField(blank=True)
    key_points = TextField(blank=True, help_text="One key point per line.")

    # Signal brief
    signal = models.CharField(max_length=300, blank=True)
    signal_type = models.CharField(max_length=120, blank=True)
    market_class = models.CharField(max_length=120, blank=True)
    operating_surface = TextField(blank=True, help_text="One item per line.")
    market_context = TextField(blank=True, help_text="One item per line.")
    operational_relevance = models.CharField(max_length=10, choices=Impact.choices, blank=True)
    time_horizon = models.CharField(max_length=120, blank=True)
    watch_items = TextField(
        "what to watch", blank=True, help_text="One item per line (the What To Watch list)."
    )

    objects = BriefingQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            # Newest first is every list's order; walking this index lets LIMIT stop early.
            models.Index(fields=["-published_at", "-id"], name="briefing_newest_first"),
            models.Index(fields=["status", "published_at"]),
            # The home page ranks each category's newest briefings in this order.
            models.Index(
                fields=["category", "-published_at", "-id"], name="briefing_category_newest"
            ),
            models.Index(fields=["kind", "published_at"]),
        ]
        permissions = [
            ("publish_briefing", "Can publish, schedule, unpublish and archive briefings"),
            ("preview_briefing", "Can preview briefings as any audience"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__lte=100),
                name="briefing_confidence_percent",
            )
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = title_slug(self.title)
        super().save(*args, **kwargs)
        update_fields = kwargs.get("update_fields")
        if update_fields is None or {"status", "published_at"} & set(update_fields):
            # Publishing, scheduling or withdrawing shows in search at once, without
            # rebuilding the documents' text.
            self.search_documents.update(published_at=self.live_from)

    def get_absolute_url(self):
        return slug_url("briefings:detail", self.slug)

    @property
    def live_from(self):
        """When the briefing is (or goes) live: its publish time while published or scheduled."""
        return self.published_at if self.status in self.LIVE_STATUSES else None

    @property
    def is_signal_brief(self) -> bool:
        return self.kind == self.Kind.SIGNAL_BRIEF

    @property
    def author_names(self) -> list[str]:
        return [name.strip() for name in self.authors.split(",") if name.strip()]

    @property
    def confidence_label(self) -> str:
        """'High confidence (90%)', as the classification panel shows it."""
        if self.confidence is None:
            return ""
        if self.confidence >= 75:
            level = "High"
        elif self.confidence >= 50:
            level = "Moderate"
        else:
            level = "Low"
        return f"{level} confidence ({self.confidence}%)"

    def is_live(self, at=None) -> bool:
        """The same rule as `Briefing.objects.published(at=...)`, for one briefing in hand."""
        live_from = self.live_from
        return live_from is not None and live_from <= (at or timezone.now())

    def gated_audiences(self) -> set[Audience]:
        """
        The audiences of this briefing's gated parts (sections above public, and source
        notes), read from the `with_gated_parts()` annotations when the briefing was
        fetched with them.
        """
        if not hasattr(self, "has_source_notes"):
            # Fetched without the annotations: ask the database which audiences exist
            # (one query, still no gated text) rather than show no lock cards.
            tiers = list(
                self.sections.filter(audience__in=access.TIERS)
                .order_by()
                .values_list("audience", flat=True)
                .distinct()
            )
            return access.briefing_gated_audiences(
                tiers, has_source_notes=self.citations.exclude(note="").exists()
            )
        return access.briefing_gated_audiences(
            [tier for tier in access.TIERS if getattr(self, gated_annotation(tier), False)],
            has_source_notes=self.has_source_notes,
        )

    def lines(self, field: str) -> list[str]:
        """A one-item-per-line field as a list, blank lines and bullets dropped."""
        return [
            line.strip().lstrip("•*-").strip()
            for line in getattr(self, field).splitlines()
            if line.strip().lstrip("•*-").strip()
        ]


class SectionQuerySet(models.QuerySet):
    def readable_by(self, audience):
        """Only the sections a reader with `audience` may read, decided by the access rule."""
        return self.filter(audience__in=access.readable_audiences(audience))


class Section(models.Model):
    briefing = models.ForeignKey(Briefing, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField(default=0)
    heading = models.CharField(
        max_length=200,
        blank=True,
        help_text="Leave empty for opening text that runs on from the standfirst.",
    )
    body = TextField(blank=True, help_text="Markdown.")
    body_html = models.TextField(blank=True, editable=False)
    audience = models.PositiveSmallIntegerField(
        choices=Audience.choices,
        default=Audience.PUBLIC,
        help_text="Who may read this section. Others see a lock card instead.",
    )

    objects = SectionQuerySet.as_manager()

    class Meta:
        ordering = ["briefing", "position", "id"]

    def __str__(self):
        return self.heading

    def save(self, *args, **kwargs):
        self.body_html = section_html(self.body)
        super().save(*args, **kwargs)


class Citation(models.Model):
    """A briefing's use of a source, in order. Its note is for access.SOURCE_NOTE_AUDIENCE."""

    briefing = models.ForeignKey(Briefing, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    position = models.PositiveSmallIntegerField(default=0)
    note = TextField(
        blank=True,
        help_text=f"Markdown. Shown to {access.SOURCE_NOTE_AUDIENCE.label} members only.",
    )
    note_html = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["briefing", "position", "id"]

    def __str__(self):
        return str(self.source)

    def save(self, *args, **kwargs):
        self.note_html = render_markdown(self.note)
        super().save(*args, **kwargs)


# --- Revision history (newsroom) -------------------------------------------------------
# django-simple-history keeps a row per save of briefings, sections and citations, with
# who saved and when; briefings/revisions.py reads them to compare and restore versions.
# Registered here rather than in the class bodies so the content model stays readable.
# The rendered HTML is derived from the Markdown on save, so it is not worth keeping.
register_history(Briefing, excluded_fields=["updated_at"])
register_history(Section, excluded_fields=["body_html"])
register_history(Citation, excluded_fields=["note_html"])
# Sources and taxonomy terms show on every page that cites or carries them: their old
# values are kept too, so a change can be seen and undone (the admin's history page).
register_history(Source)
register_history(Category)
register_history(Region)
register_history(Topic)


class SearchDocument(models.Model):
    """
    What one audience may search in one briefing: the title, the summary and the plain
    text of every other part that audience may read (decided by members.access), with its
    weighted PostgreSQL search vector. Derived data, rebuilt by `briefings.search`;
    on PostgreSQL each audience's vectors have their own partial GIN index (migration 0006).

    `published_at` is the briefing's `live_from`, kept by `Briefing.save` as well: a
    search finds its newest matches among one audience's documents alone, without
    reading a briefing row for each (the page of results still checks the briefings).
    """

    # No index of its own: the one-per-audience constraint's (briefing, audience) serves
    # every lookup by briefing, and a phrase's candidates read each one's document by both.
    briefing = models.ForeignKey(
        Briefing, on_delete=models.CASCADE, related_name="search_documents", db_index=False
    )
    audience = models.PositiveSmallIntegerField(choices=Audience.choices)
    title = models.TextField(blank=True)
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True)
    vector = SearchVectorField(null=True)
    published_at = models.DateTimeField(null=True, editable=False)
    # The audiences of the briefing's sections (as bits) and whether a citation has a
    # note, in every document, for its result line's markers (briefings.search.marks).
    section_audiences = models.PositiveSmallIntegerField(default=0, editable=False)
    has_source_notes = models.BooleanField(default=False, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["briefing", "audience"], name="search_document_one_per_audience"
            )
        ]
        # Newest first within one audience's documents: a common word's matches are
        # found by walking this until enough of them turn up.
        indexes = [
            models.Index(
                fields=["-published_at", "-briefing"],
                condition=Q(audience=audience),
                name=f"search_document_newest_a{audience}",
            )
            for audience in Audience
        ]

    def __str__(self):
        return f"{self.briefing_id} / {Audience(self.audience).label}"


# A live briefing's changes not yet published (briefings.pending), who has a change form
# open (briefings.presence), editors' autosaves (briefings.autosave), lock cards'
# conversions (briefings.conversions), review notes (briefings.review_notes) and the
# phrase index (briefings.search_pairs): models of this app, kept beside their code.
from briefings.autosave import Autosave  # noqa: E402, F401
from briefings.conversions import LockCardConversion  # noqa: E402, F401
from briefings.pending.models import PendingChange  # noqa: E402, F401
from briefings.presence import EditingSession  # noqa: E402, F401
from briefings.review_notes import ReviewNote  # noqa: E402, F401
from briefings.search_pairs import SearchPairs  # noqa: E402, F401
