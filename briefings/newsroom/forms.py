"""
The newsroom's change forms: briefings, their sections and citations, and sources.

Help texts say who sees each field, since the form is the only place an editor learns it.
A briefing's form also refuses a save based on a replaced version (conflict.py) and runs
the pre-publish checks on what is about to be saved when the save would leave it live.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from briefings import revisions, seo, slugs, workflow
from briefings.images.references import images_named, unknown_message, unknown_references
from briefings.models import Briefing, Citation, Section, Source
from briefings.newsroom import conflict
from members import access
from members.access import Audience


def audience_help() -> str:
    """Who may read a section of each audience, in the access rule's own terms."""
    lines = []
    for audience in Audience:
        readers = [reader for reader in access.TIERS if access.can_read(reader, audience)]
        if not access.is_gated(audience):
            lines.append(f"{audience.label}: everyone, including search engines.")
        elif len(readers) == 1:
            lines.append(f"{audience.label}: {audience.label} members only.")
        else:
            lines.append(f"{audience.label}: {audience.label} members and above.")
    return " ".join(lines)


SOURCE_NOTE_READERS = f"{access.SOURCE_NOTE_AUDIENCE.label} members only"


class SourceForm(forms.ModelForm):
    class Meta:
        model = Source
        fields = ["title", "publisher", "url", "published_on"]
        help_texts = {
            "title": "Public: listed under Sources on every briefing that cites it.",
            "publisher": "Public, after the title.",
            "url": (
                "Public link to the reference. A briefing cannot be published citing a "
                "source without a link unless its citation note says why."
            ),
            "published_on": "When the reference itself was published.",
        }


class PartForm(forms.ModelForm):
    """A section or citation: its position may be left empty to add it at the end."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].required = False
        # A new row opened with a position (a pending change's) keeps it.
        if self.instance.pk is None and "position" not in (kwargs.get("initial") or {}):
            self.initial["position"] = None


class SectionForm(PartForm):
    class Meta:
        model = Section
        fields = ["position", "heading", "audience", "body"]
        help_texts = {
            "position": "Order on the page, lowest first. Leave empty to add it at the end.",
            "heading": "Shown above the section to everyone who may read it.",
            "audience": (
                f"Who may read this section. {audience_help()} Readers below it never "
                "receive the text; they see a lock card for the tier instead."
            ),
            "body": (
                "Markdown. Only readers in the audience above receive it, images placed "
                "here included (paste an image's snippet from the image library: "
                "![](image:its-slug))."
            ),
        }
        widgets = {"body": forms.Textarea(attrs={"rows": 8, "cols": 80})}

    def clean_body(self):
        body = self.cleaned_data.get("body", "")
        unknown = unknown_references(body, images_named([body]))
        if unknown:
            raise forms.ValidationError(unknown_message(unknown), code="unknown_image")
        return body


class CitationForm(PartForm):
    class Meta:
        model = Citation
        fields = ["position", "source", "note"]
        help_texts = {
            "position": "Order in the Sources list. Leave empty to add it at the end.",
            "source": "Public: everyone sees its title and link.",
            "note": (
                f"Markdown. {SOURCE_NOTE_READERS}. Required when the source has no link: say why."
            ),
        }
        widgets = {"note": forms.Textarea(attrs={"rows": 3, "cols": 60})}


def free_briefing_slug(title: str, *, exclude_pk=None) -> str:
    """The slug a briefing gets from its title when the editor leaves it empty."""
    field = Briefing._meta.get_field("slug")
    return slugs.free_slug(
        Briefing.objects.exclude(pk=exclude_pk),
        slugs.title_slug(title),
        max_length=field.max_length,
    )


class BriefingForm(forms.ModelForm):
    # The version the editor started from; compared with the saved one on every save.
    # (Not named `version`: a model form may not name a non-editable model field.)
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    # Set per request by BriefingAdmin.get_form.
    going_live = False
    publishing = False

    class Meta:
        model = Briefing
        fields = [*revisions.CONTENT_FIELDS, "slug", "published_at"]
        help_texts = {
            "kind": (
                "A signal briefing shows the classification panel, signal brief and market "
                "context; an article shows its sections only."
            ),
            "title": "Public: the headline on the page, in lists, feeds, search and links.",
            "slug": "The page's address. Leave empty to make one from the title.",
            "summary": "Public: the standfirst under the title, in lists, feeds and search.",
            "authors": "Public byline: names separated by commas.",
            "meta_title": (
                "Public: the page's title in search results and on share cards, instead of "
                f"the headline and the site's name. About {seo.TITLE_GUIDE} characters show "
                "in search results."
            ),
            "meta_description": (
                "Public: the description in search results and on share cards, instead of "
                f"the summary. About {seo.DESCRIPTION_GUIDE} characters show in search "
                "results."
            ),
            "category": "Public. The breadcrumb and the category coverage page.",
            "region": "Public. The region coverage page.",
            "topic": "Public. The topic coverage page.",
            "category_rationale": "Public: one line under Category in the classification panel.",
            "region_rationale": "Public: one line under Region.",
            "signal_focus": "Public: Signal Focus in the classification panel.",
            "signal_focus_rationale": "Public: one line under Signal Focus.",
            "content_type_rationale": "Public: one line under Content Type.",
            "primary_domain": "Public: Primary Domain in the classification panel.",
            "primary_domain_rationale": "Public: one line under Primary Domain.",
            "topic_rationale": "Public: one line under Topic.",
            "impact": "Public. Required to publish a signal briefing.",
            "impact_rationale": "Public: one line under Impact.",
            "confidence": (
                "Public, as “High confidence (90%)”. Percent, 0 to 100. Required to publish "
                "a signal briefing."
            ),
            "confidence_rationale": "Public: one line under Confidence.",
            "reporting_summary": "Public: the Published reporting paragraph.",
            "key_points": "Public: the key points under Published reporting, one per line.",
            "signal": "Public: Signal, in the Signal Brief list.",
            "signal_type": "Public: Signal Type.",
            "market_class": "Public: Market Class.",
            "operating_surface": "Public: the Operating Surface list, one item per line.",
            "market_context": "Public: the Market Context list, one item per line.",
            "operational_relevance": "Public: Operational relevance under Market Context.",
            "time_horizon": "Public: Time Horizon under Market Context, e.g. “Next quarter”.",
            "watch_items": "Public: the What To Watch list, one item per line.",
            "published_at": (
                "Set by Publish. A future time schedules it: Publish then makes it appear "
                "at that time, with no one pressing anything."
            ),
        }
        error_messages = {
            "title": {"required": "Give it a title."},
            "summary": {
                "required": "Write a summary: it is the public standfirst in lists, feeds "
                "and search."
            },
        }
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "meta_description": forms.Textarea(attrs={"rows": 3}),
            "reporting_summary": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflict = None
        self.saved_version = None
        self.publish_problems = []
        if "base_version" in self.fields:
            self.fields["base_version"].initial = self.instance.version
        if "slug" in self.fields:
            self.fields["slug"].required = False
        if "published_at" in self.fields:
            # Admin reads and shows times in the editor's own zone (members.middleware).
            zone = timezone.get_current_timezone_name()
            field = self.fields["published_at"]
            field.help_text = f"{field.help_text} Times are in {zone}."

    def clean(self):
        cleaned = super().clean()
        if "slug" in self.fields and not cleaned.get("slug") and cleaned.get("title"):
            cleaned["slug"] = free_briefing_slug(cleaned["title"], exclude_pk=self.instance.pk)
        if self.instance.pk:
            self.check_version(cleaned.get("base_version"))
        if self.going_live:
            self.check_ready(cleaned)
        return cleaned

    def check_version(self, base_version):
        current = conflict.saved_version(self.instance.pk)
        if current is None:
            raise ValidationError("This briefing has been deleted since you opened it.")
        self.saved_version = current
        if base_version == current or self.data.get("overwrite_version") == str(current):
            return
        self.conflict = conflict.edit_conflict(self.instance.pk, base_version, current)
        raise conflict.conflict_error(self.conflict)

    def check_ready(self, cleaned):
        # The checks run on what is about to be saved, so nothing goes live unchecked.
        candidate = Briefing(
            kind=cleaned.get("kind") or self.instance.kind,
            title=cleaned.get("title") or "",
            summary=cleaned.get("summary") or "",
            category=cleaned.get("category"),
            impact=cleaned.get("impact") or "",
            confidence=cleaned.get("confidence"),
        )
        if (
            not self.publishing
            and self.instance.status in Briefing.LIVE_STATUSES
            and "published_at" in self.fields
            and cleaned.get("published_at") is None
            and "published_at" not in self.errors
        ):
            self.add_error(
                "published_at",
                "A published or scheduled briefing needs its publish time. To take it off "
                "the site, use “Save and unpublish”.",
            )
        for problem in workflow.headline_problems(candidate):
            self.publish_problems.append(problem.message)
            if problem.field in self.fields and problem.field not in self.errors:
                self.add_error(problem.field, problem.message)
            elif problem.field not in self.fields:
                self.add_error(None, problem.message)
