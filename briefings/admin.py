"""
The newsroom: briefings, sources and coverage taxonomy in Django admin.

The change form follows the reader's page (headline, classification, published reporting,
signal brief, market context, publishing), with ordered inlines for sections and
citations. Publishing state only changes through the buttons and list actions, which call
briefings/workflow.py: there is no status field to set, so a writer cannot publish by
choosing a value, and the workflow checks the permission again. A hidden `version` field
refuses a save based on a version that a colleague has since replaced, keeps everything
typed in the form and shows what they changed.
"""

from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join

from briefings import revisions, slugs, workflow
from briefings.models import Briefing, Category, Citation, Region, Section, Source, Topic
from briefings.search import briefing_reindex, briefings_reindex
from briefings.workflow import WRITER_STATUSES, can_publish
from members import access
from members.access import Audience

# The change-form buttons that change publishing state, by POST name.
PUBLISH, UNPUBLISH, ARCHIVE = "_publish", "_unpublish", "_archive"
SUBMIT, TO_DRAFT = "_submit_review", "_return_to_draft"
PUBLISHER_BUTTONS = (PUBLISH, UNPUBLISH, ARCHIVE)
WORKFLOW_BUTTONS = (*PUBLISHER_BUTTONS, SUBMIT, TO_DRAFT)


def workflow_button(request) -> str | None:
    if request.method != "POST":
        return None
    return next((name for name in WORKFLOW_BUTTONS if name in request.POST), None)


def may_edit(request, briefing) -> bool:
    """
    What readers see, or will see at its time, changes only with the publish permission:
    writers edit drafts and briefings in review; live, scheduled and archived ones are
    read-only for them.
    """
    return briefing is None or briefing.status in WRITER_STATUSES or can_publish(request.user)


def going_live(request, briefing) -> bool:
    """Whether this save leaves readers seeing it, so the pre-publish checks apply."""
    button = workflow_button(request)
    if button == PUBLISH:
        return True
    if button in (UNPUBLISH, ARCHIVE):
        return False
    return (
        request.method == "POST"
        and briefing is not None
        and briefing.status in Briefing.LIVE_STATUSES
    )


def future_publish_time(briefing) -> datetime | None:
    """The publish time to schedule for, when the editor set one in the future."""
    at = briefing.published_at
    return at if at is not None and at > timezone.now() else None


# --- Taxonomy and sources -------------------------------------------------------------


class TaxonomyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "briefing_count"]
    ordering = ["name"]  # the annotation's GROUP BY drops Meta.ordering
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_briefings=Count("briefings"))

    @admin.display(description="briefings", ordering="_briefings")
    def briefing_count(self, obj):
        return obj._briefings

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "name" in form.changed_data:
            # Search documents carry the taxonomy names of their briefings.
            briefings_reindex(briefing_ids=obj.briefings.values_list("pk", flat=True))


admin.site.register(Category, TaxonomyAdmin)
admin.site.register(Region, TaxonomyAdmin)
admin.site.register(Topic, TaxonomyAdmin)


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


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    form = SourceForm
    list_display = ["title", "publisher", "url", "published_on", "citation_count"]
    ordering = ["title"]
    search_fields = ["title", "publisher", "url"]
    list_filter = ["publisher"]
    date_hierarchy = "published_on"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_citations=Count("citations"))

    @admin.display(description="cited by", ordering="_citations")
    def citation_count(self, obj):
        return obj._citations

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"title", "publisher"} & set(form.changed_data):
            # Search documents carry the titles and publishers of the sources cited.
            briefings_reindex(briefing_ids=obj.citations.values_list("briefing_id", flat=True))


# --- Sections and citations -----------------------------------------------------------


class PartFormSet(BaseInlineFormSet):
    """A briefing's sections or citations, checked before the briefing goes live."""

    going_live = False  # set per request by the inline's get_formset

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        if self.is_bound and self.instance.pk is not None:
            self.keep_vanished_rows()

    def keep_vanished_rows(self):
        """
        A row whose part a colleague deleted while this form was open comes back as a new
        part, instead of failing on its hidden id: what the editor typed in it is kept.
        Such rows move after the existing ones, because a formset's existing rows come
        first.
        """
        pk_name = self.model._meta.pk.name
        if not hasattr(self.data, "getlist"):
            return  # built in code rather than from a request
        try:
            total = int(self.data.get(f"{self.prefix}-TOTAL_FORMS", ""))
            initial = int(self.data.get(f"{self.prefix}-INITIAL_FORMS", ""))
        except ValueError:
            return  # the management form's own validation reports it
        total = min(total, self.absolute_max)
        rows = []
        for i in range(total):
            start = f"{self.prefix}-{i}-"
            rows.append(
                {k[len(start) :]: self.data.getlist(k) for k in self.data if k.startswith(start)}
            )
        ids = {
            i: int(rows[i][pk_name][0])
            for i in range(min(initial, total))
            if rows[i].get(pk_name, [""])[0].isdigit()
        }
        existing = set(
            self.model.objects.filter(briefing=self.instance, pk__in=ids.values()).values_list(
                "pk", flat=True
            )
        )
        vanished = {i for i, pk in ids.items() if pk not in existing}
        if not vanished:
            return
        kept = [rows[i] for i in range(min(initial, total)) if i not in vanished]
        revived = [
            {k: v for k, v in rows[i].items() if k != pk_name}
            for i in sorted(vanished)
            if not rows[i].get("DELETE")  # deleted here too: nothing to keep
        ]
        ordered = kept + revived + rows[initial:]
        data = self.data.copy()
        for key in [k for k in data if k.startswith(f"{self.prefix}-")]:
            del data[key]
        data[f"{self.prefix}-TOTAL_FORMS"] = str(len(ordered))
        data[f"{self.prefix}-INITIAL_FORMS"] = str(len(kept))
        data[f"{self.prefix}-MIN_NUM_FORMS"] = self.data.get(f"{self.prefix}-MIN_NUM_FORMS", "0")
        data[f"{self.prefix}-MAX_NUM_FORMS"] = self.data.get(f"{self.prefix}-MAX_NUM_FORMS", "1000")
        for i, row in enumerate(ordered):
            for name, values in row.items():
                data.setlist(f"{self.prefix}-{i}-{name}", values)
        self.data = data
        for cached in ("management_form", "forms"):
            self.__dict__.pop(cached, None)

    def kept_instances(self):
        return [
            form.instance
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]

    def problems(self):
        raise NotImplementedError

    def clean(self):
        super().clean()
        if not self.going_live or any(self.errors):
            return
        problems = self.problems()
        if problems:
            raise ValidationError([problem.message for problem in problems])


class SectionFormSet(PartFormSet):
    def problems(self):
        return workflow.section_problems(self.kept_instances())


class SourceAutocomplete(AutocompleteSelect):
    """
    Admin's autocomplete, naming the selected source from labels its formset fetched once
    for every row, instead of one query per citation.
    """

    labels = None

    def optgroups(self, name, value, attr=None):
        selected = [str(v) for v in value if str(v) not in self.choices.field.empty_values]
        if self.labels is None or any(v not in self.labels for v in selected):
            return super().optgroups(name, value, attr)
        options = [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        options += [
            self.create_option(name, v, self.labels[v], set(selected), len(options))
            for v in selected[:1]
        ]
        return [(None, options, 0)]


class CitationFormSet(PartFormSet):
    @cached_property
    def source_labels(self):
        ids = {str(citation.source_id) for citation in self.get_queryset()}
        if self.is_bound:
            ids |= {
                str(value)
                for key, value in self.data.items()
                if key.startswith(f"{self.prefix}-") and key.endswith("-source")
            }
        sources = Source.objects.filter(pk__in=[i for i in ids if i.isdigit()])
        return {str(source.pk): str(source) for source in sources}

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        widget = form.fields["source"].widget
        getattr(widget, "widget", widget).labels = self.source_labels
        return form

    def problems(self):
        return workflow.citation_problems(
            c for c in self.kept_instances() if c.source_id is not None
        )


class SectionForm(forms.ModelForm):
    class Meta:
        model = Section
        fields = ["position", "heading", "audience", "body"]
        help_texts = {
            "position": "Order on the page, lowest first. Leave empty to add it at the end.",
            "heading": "Shown above the section to everyone who may read it.",
            "audience": (
                "Who may read this section. Public: everyone, including search engines. "
                "Strategic Circle: signed-up members and above. Leadership Alliance: "
                "Leadership Alliance members only. Readers below it never receive the "
                "text; they see a lock card for the tier instead."
            ),
            "body": "Markdown. Only readers in the audience above receive it.",
        }
        widgets = {"body": forms.Textarea(attrs={"rows": 8, "cols": 80})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].required = False
        if self.instance.pk is None:
            self.initial["position"] = None


class CitationForm(forms.ModelForm):
    class Meta:
        model = Citation
        fields = ["position", "source", "note"]
        help_texts = {
            "position": "Order in the Sources list. Leave empty to add it at the end.",
            "source": "Public: everyone sees its title and link.",
            "note": (
                "Markdown. Leadership Alliance members only. Required when the source "
                "has no link: say why."
            ),
        }
        widgets = {"note": forms.Textarea(attrs={"rows": 3, "cols": 60})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].required = False
        if self.instance.pk is None:
            self.initial["position"] = None


class BriefingPartInline:
    """Permissions and ordering shared by the section and citation inlines."""

    extra = 1
    ordering = ["position", "id"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.going_live = going_live(request, obj)
        return formset

    def has_add_permission(self, request, obj):
        return super().has_add_permission(request, obj) and may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and may_edit(request, obj)


class SectionInline(BriefingPartInline, admin.StackedInline):
    model = Section
    form = SectionForm
    formset = SectionFormSet
    verbose_name_plural = "sections (the briefing's body, in order, each with its audience)"


class CitationInline(BriefingPartInline, admin.TabularInline):
    model = Citation
    form = CitationForm
    formset = CitationFormSet
    autocomplete_fields = ["source"]
    verbose_name_plural = "sources (public titles and links; notes for Leadership Alliance)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "source":
            kwargs["widget"] = SourceAutocomplete(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# --- Briefings ------------------------------------------------------------------------


@dataclass
class EditConflict:
    """A save refused because someone saved a newer version since the form was opened."""

    base_version: int | None
    current_version: int
    saved_by: list[str]
    saved_at: datetime | None
    comparison: revisions.Comparison | None


def edit_conflict(briefing_pk, base_version, current_version) -> EditConflict:
    history = Briefing.history.filter(id=briefing_pk)
    latest = history.select_related("history_user").order_by("-history_date").first()
    base = (
        history.filter(version=base_version).order_by("-history_date").first()
        if base_version is not None
        else None
    )
    newer = history.select_related("history_user")
    if base is not None:
        newer = newer.filter(history_date__gt=base.history_date)
    saved_by = sorted(
        {str(r.history_user) if r.history_user else "someone (no user recorded)" for r in newer}
    )
    comparison = None
    if base is not None and latest is not None:
        comparison = revisions.compare(revisions.snapshot(base), revisions.snapshot(latest))
    return EditConflict(
        base_version=base_version,
        current_version=current_version,
        saved_by=saved_by,
        saved_at=latest.history_date if latest else None,
        comparison=comparison,
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

    def clean(self):
        cleaned = super().clean()
        if "slug" in self.fields and not cleaned.get("slug") and cleaned.get("title"):
            cleaned["slug"] = slugs.free_slug(
                Briefing.objects.exclude(pk=self.instance.pk),
                slugs.slug_from(cleaned["title"], max_length=200, fallback="briefing"),
                max_length=200,
            )
        if self.instance.pk:
            self.check_version(cleaned.get("base_version"))
        if self.going_live:
            self.check_ready(cleaned)
        return cleaned

    def check_version(self, base_version):
        saved = Briefing.objects.filter(pk=self.instance.pk)
        if transaction.get_connection().in_atomic_block:
            # Held until the save commits, so two saves of the same version cannot both pass.
            saved = saved.select_for_update()
        current = saved.values_list("version", flat=True).first()
        if current is None:
            raise ValidationError("This briefing has been deleted since you opened it.")
        self.saved_version = current
        if base_version == current or self.data.get("overwrite_version") == str(current):
            return
        self.conflict = edit_conflict(self.instance.pk, base_version, current)
        who = ", ".join(self.conflict.saved_by) or "someone"
        raise ValidationError(
            "Not saved: while you were editing, %(who)s saved a newer version of this "
            "briefing (you started from version %(base)s; version %(current)s is saved now). "
            "Everything you typed is still in the form below. Compare their changes, shown "
            "above, with yours; then tick “Save my version over theirs” and save again, or "
            "bring their changes into your text first. Their version stays in the history.",
            code="edit_conflict",
            params={"who": who, "base": base_version or "unknown", "current": current},
        )

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


class GatedFilter(admin.SimpleListFilter):
    title = "gated sections"
    parameter_name = "gated"

    def lookups(self, request, model_admin):
        return [("yes", "Has gated sections"), ("no", "Public only")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(_gated__gt=0)
        if self.value() == "no":
            return queryset.filter(_gated=0)
        return queryset


@admin.register(Briefing)
class BriefingAdmin(admin.ModelAdmin):
    form = BriefingForm
    inlines = [SectionInline, CitationInline]
    autocomplete_fields = ["category", "region", "topic"]
    readonly_fields = ["publishing_state"]
    list_display = [
        "title",
        "kind",
        "status_column",
        "category",
        "audience_mix",
        "published_at",
        "last_editor",
    ]
    list_filter = ["status", "kind", GatedFilter, "category", "region", "topic"]
    list_select_related = ["category"]
    search_fields = ["title", "summary", "slug", "authors", "category__name"]
    date_hierarchy = "published_at"
    actions = [
        "publish_selected",
        "unpublish_selected",
        "archive_selected",
        "submit_selected_for_review",
    ]
    # Undated drafts first, then newest; the annotations' GROUP BY drops Meta.ordering.
    ordering = [F("published_at").desc(nulls_first=True), "-id"]
    save_as = False
    save_on_top = False

    headline = ("Headline", {"fields": ["kind", "title", "slug", "summary", "authors"]})

    def get_fieldsets(self, request, obj=None):
        # Articles do not show the signal-brief panels, so fold those away there; the
        # classification stays open because its category, region and topic place
        # articles in coverage too.
        signal_classes = ["collapse"] if obj is not None and not obj.is_signal_brief else []
        publishing = ["publishing_state", "published_at"]
        if obj is None or self.has_change_permission(request, obj):
            publishing.append("base_version")
        return [
            self.headline,
            (
                "Classification",
                {
                    "description": (
                        "The classification panel of a signal briefing: each value with its "
                        "one-line rationale. Public. Articles use the category, region and "
                        "topic only."
                    ),
                    "fields": [
                        ("category", "category_rationale"),
                        ("region", "region_rationale"),
                        ("topic", "topic_rationale"),
                        ("signal_focus", "signal_focus_rationale"),
                        "content_type_rationale",
                        ("primary_domain", "primary_domain_rationale"),
                        ("impact", "impact_rationale"),
                        ("confidence", "confidence_rationale"),
                    ],
                },
            ),
            (
                "Published reporting",
                {"classes": signal_classes, "fields": ["reporting_summary", "key_points"]},
            ),
            (
                "Signal brief",
                {
                    "classes": signal_classes,
                    "fields": ["signal", "signal_type", "market_class", "operating_surface"],
                },
            ),
            (
                "Market context",
                {
                    "classes": signal_classes,
                    "fields": [
                        "market_context",
                        ("operational_relevance", "time_horizon"),
                        "watch_items",
                    ],
                },
            ),
            ("Publishing", {"fields": publishing}),
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.going_live = going_live(request, obj)
        form.publishing = workflow_button(request) == PUBLISH
        return form

    # Permissions ------------------------------------------------------------------

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and may_edit(request, obj)

    def has_publish_permission(self, request):
        return can_publish(request.user)

    # List -------------------------------------------------------------------------

    def get_queryset(self, request):
        last_editor = (
            Briefing.history.filter(id=OuterRef("pk"), history_user__isnull=False)
            .order_by("-history_date")
            .values("history_user__email")[:1]
        )
        counts = {
            f"_sections_{audience.value}": Count(
                "sections", filter=Q(sections__audience=audience), distinct=True
            )
            for audience in Audience
        }
        return (
            super()
            .get_queryset(request)
            .annotate(
                **counts,
                _gated=Count(
                    "sections", filter=Q(sections__audience__gt=Audience.PUBLIC), distinct=True
                ),
                _last_editor=Subquery(last_editor),
            )
        )

    @admin.display(description="status", ordering="status")
    def status_column(self, obj):
        if (
            obj.status in Briefing.LIVE_STATUSES
            and obj.published_at
            and obj.published_at > timezone.now()
        ):
            return f"Scheduled for {timezone.localtime(obj.published_at):%Y-%m-%d %H:%M}"
        if obj.status in Briefing.LIVE_STATUSES:
            return "Published"
        return obj.get_status_display()

    @admin.display(description="audience mix", ordering="_gated")
    def audience_mix(self, obj):
        counts = [(a, getattr(obj, f"_sections_{a.value}", 0)) for a in Audience]
        if not any(n for _, n in counts):
            return "no sections"
        return format_html_join(" · ", "{} {}", ((n, a.label) for a, n in counts if n))

    @admin.display(description="last editor", ordering="_last_editor")
    def last_editor(self, obj):
        return obj._last_editor or "—"

    @admin.display(description="status")
    def publishing_state(self, obj):
        if obj is None or obj.pk is None:
            return "Draft: not on the site until an editor publishes it."
        now = timezone.now()
        when = (
            f"{timezone.localtime(obj.published_at):%Y-%m-%d %H:%M %Z}" if obj.published_at else ""
        )
        if obj.status in Briefing.LIVE_STATUSES and obj.published_at and obj.published_at > now:
            return f"Scheduled: appears on the site at {when}."
        if obj.status in Briefing.LIVE_STATUSES:
            return format_html(
                'Published: on the site since {} (<a href="{}">view it</a>).',
                when,
                obj.get_absolute_url(),
            )
        if obj.status == Briefing.Status.REVIEW:
            return "In review: waiting for an editor to publish it. Not on the site."
        if obj.status == Briefing.Status.ARCHIVED:
            return "Archived: off the site, kept here with its history."
        return "Draft: not on the site."

    # Actions ----------------------------------------------------------------------

    def _run_action(self, request, queryset, verb, run):
        done, failed = [], []
        for briefing in queryset:
            try:
                run(briefing)
            except ValidationError as error:
                failed.append((briefing, error.messages))
            else:
                done.append(briefing)
        if done:
            self.message_user(
                request,
                f"{verb}: " + ", ".join(f"“{b}”" for b in done) + ".",
                messages.SUCCESS,
            )
        for briefing, problems in failed:
            self.message_user(
                request,
                f"“{briefing}” was not {verb.lower()}: " + " ".join(problems),
                messages.ERROR,
            )

    @admin.action(
        description="Publish selected briefings (those with a future publish time are scheduled)",
        permissions=["publish"],
    )
    def publish_selected(self, request, queryset):
        self._run_action(
            request,
            queryset,
            "Published or scheduled",
            lambda b: workflow.briefing_publish(
                briefing=b, by=request.user, at=future_publish_time(b)
            ),
        )

    @admin.action(
        description="Unpublish selected briefings (back to draft)", permissions=["publish"]
    )
    def unpublish_selected(self, request, queryset):
        self._run_action(
            request,
            queryset,
            "Unpublished",
            lambda b: workflow.briefing_unpublish(briefing=b, by=request.user),
        )

    @admin.action(description="Archive selected briefings", permissions=["publish"])
    def archive_selected(self, request, queryset):
        self._run_action(
            request,
            queryset,
            "Archived",
            lambda b: workflow.briefing_archive(briefing=b, by=request.user),
        )

    @admin.action(description="Submit selected drafts for review", permissions=["change"])
    def submit_selected_for_review(self, request, queryset):
        self._run_action(
            request,
            queryset,
            "Submitted for review",
            lambda b: workflow.briefing_submit_for_review(briefing=b, by=request.user),
        )

    # Change form ------------------------------------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Refuse before anything is saved: a forged Publish button is not a save.
        if workflow_button(request) in PUBLISHER_BUTTONS and not can_publish(request.user):
            raise PermissionDenied
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if change and form.saved_version is not None:
            obj.version = form.saved_version + 1
        if obj.status in Briefing.LIVE_STATUSES and obj.published_at is not None:
            # An editor moving the publish time moves the briefing between live and
            # scheduled; the status says which, as the workflow would have set it.
            obj.status = (
                Briefing.Status.SCHEDULED
                if obj.published_at > timezone.now()
                else Briefing.Status.PUBLISHED
            )
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The briefing, its sections and its citations are all saved now.
        briefing_reindex(briefing=form.instance)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for deleted in formset.deleted_objects:
            deleted.delete()
        # New parts without a position go after the others, in the order given.
        taken = list(
            formset.model.objects.filter(briefing=form.instance).values_list("position", flat=True)
        )
        next_position = max([*taken, *(i.position or 0 for i in instances)], default=0) + 1
        for instance in instances:
            if not instance.position:
                instance.position = next_position
                next_position += 1
            instance.save()
        formset.save_m2m()

    def workflow_buttons(self, request, obj):
        if obj is None:
            buttons = [(SUBMIT, "Save and submit for review")]
            if can_publish(request.user):
                buttons.append((PUBLISH, "Save and publish"))
            return buttons
        if not self.has_change_permission(request, obj):
            return []
        buttons = []
        if obj.status == Briefing.Status.DRAFT:
            buttons.append((SUBMIT, "Save and submit for review"))
        if obj.status == Briefing.Status.REVIEW:
            buttons.append((TO_DRAFT, "Save and return to draft"))
        if can_publish(request.user):
            if obj.status not in Briefing.LIVE_STATUSES:
                buttons.append((PUBLISH, "Save and publish"))
            if obj.status in {*Briefing.LIVE_STATUSES, Briefing.Status.ARCHIVED}:
                buttons.append((UNPUBLISH, "Save and unpublish"))
            if obj.status != Briefing.Status.ARCHIVED:
                buttons.append((ARCHIVE, "Save and archive"))
        return buttons

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        blockers = []
        if form.is_bound and form.going_live:
            blockers = list(form.publish_problems)
            for inline in context.get("inline_admin_formsets", []):
                blockers.extend(inline.formset.non_form_errors())
        context.update(
            publish_blockers=blockers,
            workflow_buttons=self.workflow_buttons(request, obj),
            edit_conflict=getattr(form, "conflict", None),
            preview_links=self.preview_links(request, obj),
            history_url=(
                reverse("admin:briefings_briefing_history", args=[obj.pk]) if obj else None
            ),
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def preview_links(self, request, obj):
        if obj is None or not workflow.can_preview(request.user):
            return []
        return [
            (
                audience.label if access.is_member_audience(audience) else "Anonymous reader",
                reverse("admin:briefings_briefing_preview", args=[obj.pk, audience.slug]),
            )
            for audience in Audience
        ]

    def response_add(self, request, obj, post_url_continue=None):
        if workflow_button(request):
            return self.run_workflow_button(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if workflow_button(request):
            return self.run_workflow_button(request, obj)
        return super().response_change(request, obj)

    def run_workflow_button(self, request, obj):
        button = workflow_button(request)
        user = request.user
        try:
            if button == PUBLISH:
                workflow.briefing_publish(briefing=obj, by=user, at=future_publish_time(obj))
                if obj.status == Briefing.Status.SCHEDULED:
                    self.message_user(
                        request,
                        f"“{obj}” is scheduled: it appears on the site at "
                        f"{timezone.localtime(obj.published_at):%Y-%m-%d %H:%M %Z}.",
                        messages.SUCCESS,
                    )
                else:
                    self.message_user(
                        request,
                        format_html(
                            '“{}” is published. <a href="{}">View it on the site</a>.',
                            obj,
                            obj.get_absolute_url(),
                        ),
                        messages.SUCCESS,
                    )
            elif button == UNPUBLISH:
                workflow.briefing_unpublish(briefing=obj, by=user)
                self.message_user(request, f"“{obj}” is unpublished: back to draft.")
            elif button == ARCHIVE:
                workflow.briefing_archive(briefing=obj, by=user)
                self.message_user(request, f"“{obj}” is archived: off the site.")
            elif button == SUBMIT:
                problems = workflow.briefing_submit_for_review(briefing=obj, by=user)
                self.message_user(request, f"“{obj}” is submitted for review.", messages.SUCCESS)
                if problems:
                    self.message_user(
                        request,
                        "Before it can be published: " + " ".join(p.message for p in problems),
                        messages.WARNING,
                    )
            elif button == TO_DRAFT:
                workflow.briefing_return_to_draft(briefing=obj, by=user)
                self.message_user(request, f"“{obj}” is back to draft.")
        except ValidationError as error:
            self.message_user(
                request, f"“{obj}” was saved, but: " + " ".join(error.messages), messages.ERROR
            )
        return HttpResponseRedirect(reverse("admin:briefings_briefing_change", args=[obj.pk]))

    # History, compare, restore, preview -------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:object_id>/history/compare/",
                view(self.compare_view),
                name="briefings_briefing_compare",
            ),
            path(
                "<int:object_id>/history/<int:history_id>/restore/",
                view(self.restore_view),
                name="briefings_briefing_restore",
            ),
            path(
                "<int:object_id>/preview/<slug:audience>/",
                self.preview_view,
                name="briefings_briefing_preview",
            ),
            *super().get_urls(),
        ]

    def _briefing_or_404(self, request, object_id, *, permission):
        briefing = get_object_or_404(Briefing, pk=object_id)
        if not permission(request, briefing):
            raise PermissionDenied
        return briefing

    def _context(self, request, briefing, title, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "object": briefing,
            "title": title,
            **extra,
        }

    def history_view(self, request, object_id, extra_context=None):
        briefing = self._briefing_or_404(
            request, object_id, permission=self.has_view_or_change_permission
        )
        history = revisions.snapshots(briefing)
        entries = [
            (snap.record, revisions.change_summary(older, snap))
            for snap, older in zip(history, [*history[1:], None], strict=True)
        ]
        context = self._context(
            request,
            briefing,
            f"History: {briefing}",
            entries=entries,
            can_restore=self.has_change_permission(request, briefing),
            **(extra_context or {}),
        )
        return TemplateResponse(request, "admin/briefings/briefing/history.html", context)

    def _record(self, briefing, history_id):
        try:
            return briefing.history.get(history_id=int(history_id))
        except (TypeError, ValueError, Briefing.history.model.DoesNotExist):
            return None

    def compare_view(self, request, object_id):
        briefing = self._briefing_or_404(
            request, object_id, permission=self.has_view_or_change_permission
        )
        old = self._record(briefing, request.GET.get("from"))
        new = self._record(briefing, request.GET.get("to"))
        history_url = reverse("admin:briefings_briefing_history", args=[briefing.pk])
        if old is None or new is None:
            self.message_user(
                request, "Choose two versions of this briefing to compare.", messages.WARNING
            )
            return HttpResponseRedirect(history_url)
        if (old.history_date, old.history_id) > (new.history_date, new.history_id):
            old, new = new, old
        comparison = revisions.compare(revisions.snapshot(old), revisions.snapshot(new))
        context = self._context(
            request,
            briefing,
            f"Compare versions {old.version} and {new.version}: {briefing}",
            comparison=comparison,
            history_url=history_url,
        )
        return TemplateResponse(request, "admin/briefings/briefing/compare.html", context)

    def restore_view(self, request, object_id, history_id):
        briefing = self._briefing_or_404(request, object_id, permission=self.has_change_permission)
        record = self._record(briefing, history_id)
        if record is None:
            raise Http404("No such version of this briefing.")
        if request.method == "POST":
            try:
                warnings = workflow.briefing_restore(
                    briefing=briefing, record=record, by=request.user
                )
            except ValidationError as error:
                self.message_user(
                    request,
                    f"Version {record.version} was not restored: " + " ".join(error.messages),
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    f"Version {record.version} is restored, with its sections and citations. "
                    "What was there before is kept in the history.",
                    messages.SUCCESS,
                )
                for warning in warnings:
                    self.message_user(request, warning, messages.WARNING)
            return HttpResponseRedirect(
                reverse("admin:briefings_briefing_change", args=[briefing.pk])
            )
        latest = revisions.versions(briefing).first()
        comparison = revisions.compare(revisions.snapshot(latest), revisions.snapshot(record))
        context = self._context(
            request,
            briefing,
            f"Restore version {record.version}: {briefing}",
            record=record,
            comparison=comparison,
            history_url=reverse("admin:briefings_briefing_history", args=[briefing.pk]),
        )
        return TemplateResponse(request, "admin/briefings/briefing/restore.html", context)

    def preview_view(self, request, object_id, audience):
        """
        The briefing as a reader in `audience` would see it, for any status. Anonymous
        visitors are sent to sign in; anyone signed in without the preview permission gets
        403 (the URL names an id under /admin/, so saying "not yours" reveals nothing a
        404 would hide, and it tells a colleague which permission they lack). Staff then
        pass the admin site's own checks.
        """
        from briefings.preview import BriefingPreviewView

        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not workflow.can_preview(request.user):
            raise PermissionDenied
        view = self.admin_site.admin_view(BriefingPreviewView.as_view())
        return view(request, pk=object_id, audience=audience)
