"""
The newsroom: briefings, sources and coverage taxonomy in Django admin.

This module registers the models and holds their ModelAdmin configuration and hooks; what
the hooks do lives in briefings/newsroom/, a module per concern (publishing, forms,
inlines, conflict, history, preview, filters).

The change form follows the reader's page (headline, classification, published reporting,
signal brief, market context, publishing), with ordered inlines for sections and
citations. Publishing state only changes through the buttons and list actions
(newsroom/publishing.py), which call briefings/workflow.py. A hidden `version` field
refuses a save based on a version that a colleague has since replaced
(newsroom/conflict.py).
"""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, OuterRef, Subquery
from django.urls import path, reverse
from simple_history.admin import SimpleHistoryAdmin

from briefings import presence, reviewing
from briefings.autosave import autosave_discard
from briefings.models import Briefing, Category, Region, Source, Topic
from briefings.newsroom import (
    autosave,
    conversions,  # noqa: F401  (registers the conversions' admin)
    filters,
    history,
    importing,
    listing,
    pending,
    preview,
    publishing,
    review,
    search_preview,
)
from briefings.newsroom import images as image_library  # noqa: F401 - registers ImageAdmin
from briefings.newsroom.forms import BriefingForm, SourceForm
from briefings.newsroom.inlines import CitationInline, SectionInline
from briefings.newsroom.publishing import PUBLISH, PUBLISHER_BUTTONS, workflow_button
from briefings.search import briefing_reindex, briefings_reindex
from briefings.workflow import can_publish, may_change_shared_part

# --- Taxonomy and sources -------------------------------------------------------------


class SharedPartAdmin(SimpleHistoryAdmin):
    """
    Sources and taxonomy terms are shared by briefings: once a published (or scheduled,
    or archived) briefing shows one, changing it changes that page, so only someone who
    may publish can (briefings.workflow.may_change_shared_part); writers see it read-only
    and are told why. Every save is kept in its history, where it can be reverted.
    """

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and may_change_shared_part(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and may_change_shared_part(request.user, obj)

    def revert_disabled(self, request, obj=None):
        return super().revert_disabled(request, obj) or not self.has_change_permission(request, obj)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple_history saves a posted version on its view permission alone: reverting is
        # changing, and follows the same rule.
        if request.method == "POST" and not self.has_change_permission(
            request, self.get_object(request, object_id)
        ):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and not may_change_shared_part(request.user, obj):
            messages.info(
                request,
                f"Published briefings show this {self.opts.verbose_name}: only an editor who "
                "may publish can change it. Ask one, or cite a new one in your draft.",
            )
        return super().change_view(request, object_id, form_url, extra_context)


class TaxonomyAdmin(SharedPartAdmin):
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


@admin.register(Source)
class SourceAdmin(SharedPartAdmin):
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


# --- Briefings ------------------------------------------------------------------------


IMAGES_HELP = (
    "From the image library. To place an image inside a section, copy its snippet from "
    "the library into the section's text."
)


@admin.register(Briefing)
class BriefingAdmin(admin.ModelAdmin):
    form = BriefingForm
    inlines = [SectionInline, CitationInline]
    autocomplete_fields = ["category", "region", "topic", "lead_image", "social_image"]
    readonly_fields = ["publishing_state", "search_preview"]
    list_display = [
        "title_column",
        "kind",
        "status_column",
        "category",
        "audience_mix",
        "published_column",
        "last_editor",
    ]
    list_filter = [filters.StatusFilter, "kind", filters.GatedFilter, "category", "region", "topic"]
    list_select_related = ["category"]
    # Sections too: get_search_results keeps one row per briefing.
    search_fields = [
        "title",
        "summary",
        "slug",
        "authors",
        "category__name",
        "sections__heading",
        "sections__body",
    ]
    date_hierarchy = "published_at"
    actions = publishing.ACTIONS
    # Undated drafts first, then newest; the annotations' GROUP BY drops Meta.ordering.
    ordering = [F("published_at").desc(nulls_first=True), "-id"]
    save_as = False
    save_on_top = False

    headline = ("Headline", {"fields": ["kind", "title", "slug", "summary", "authors"]})
    search_and_sharing = (
        "Search and sharing",
        {
            "description": (
                "How the briefing appears in search results and when shared. Leave empty to "
                "use the title and summary."
            ),
            "fields": ["meta_title", "meta_description", "search_preview"],
        },
    )

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
            self.search_and_sharing,
            ("Images", {"description": IMAGES_HELP, "fields": ["lead_image", "social_image"]}),
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
        form.going_live = publishing.going_live(request, obj)
        form.publishing = workflow_button(request) == PUBLISH
        return pending.opening_form(request, obj, form)

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        return pending.formset_kwargs(request, obj, inline, kwargs)

    # Permissions ------------------------------------------------------------------

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and publishing.may_edit(request, obj)

    def has_publish_permission(self, request):
        return can_publish(request.user)

    # List -------------------------------------------------------------------------

    def get_queryset(self, request):
        last_editor = (
            Briefing.history.filter(id=OuterRef("pk"), history_user__isnull=False)
            .order_by("-history_date")
            .values("history_user__email")[:1]
        )
        return (
            super()
            .get_queryset(request)
            .annotate(**filters.section_counts(), _last_editor=Subquery(last_editor))
        )

    def get_search_results(self, request, queryset, search_term):
        # Matching sections would repeat a briefing once per section (and the list's
        # counts with it): match in a subquery instead, so the list stays one query with
        # one row per briefing.
        matching, _ = super().get_search_results(
            request, self.model._default_manager.all(), search_term
        )
        if not search_term:
            return queryset, False
        return queryset.filter(pk__in=matching.values("pk")), False

    def changelist_view(self, request, extra_context=None):
        # The list is the newsroom's desk: it takes the width of admin's side navigation
        # (the breadcrumbs and Home lead back), so its columns fit at 1280 px.
        extra_context = {"is_nav_sidebar_enabled": False, **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    @admin.display(description="title", ordering="title")
    def title_column(self, obj):
        return listing.title_cell(obj)

    @admin.display(description="status", ordering="status")
    def status_column(self, obj):
        return publishing.status_label(obj)

    @admin.display(description="sections", ordering="_gated")
    def audience_mix(self, obj):
        return listing.audience_mix_cell(obj)

    @admin.display(description="published", ordering="published_at")
    def published_column(self, obj):
        return listing.time_cell(obj.published_at)

    @admin.display(description="last editor", ordering="_last_editor")
    def last_editor(self, obj):
        return listing.person_cell(obj._last_editor)

    @admin.display(description="preview")
    def search_preview(self, obj):
        return search_preview.preview_html(obj)

    @admin.display(description="status")
    def publishing_state(self, obj):
        return publishing.state_sentence(obj)

    # Change form ------------------------------------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Refuse before anything is saved: a forged Publish button is not a save.
        pressed = request.method == "POST" and any(b in request.POST for b in PUBLISHER_BUTTONS)
        if pressed and not can_publish(request.user):
            raise PermissionDenied
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if change and form.saved_version is not None:
            obj.version = form.saved_version + 1
        if pending.holds(request, obj):
            return  # kept as pending changes by save_related: readers see no change
        publishing.moved_publish_time_status(obj)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        # Saved now, one way or the other: the editor's autosave has served its purpose.
        autosave_discard(briefing=form.instance, user=request.user)
        if pending.holds(request, form.instance):
            return pending.hold(request, form, formsets)
        super().save_related(request, form, formsets, change)
        pending.drop_superseded(request, form.instance)
        # The briefing, its sections and its citations are all saved now.
        briefing_reindex(briefing=form.instance)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for deleted in formset.deleted_objects:
            deleted.delete()
        # Parts left without a position go after the others, in the order given. Position 0
        # is a position: imported briefings start their sections there.
        taken = list(
            formset.model.objects.filter(briefing=form.instance).values_list("position", flat=True)
        )
        given = [i.position for i in instances if i.position is not None]
        next_position = max([*taken, *given], default=0) + 1
        for instance in instances:
            if instance.position is None:
                instance.position = next_position
                next_position += 1
            instance.save()
        formset.save_m2m()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        blockers = []
        may_change = obj is not None and self.has_change_permission(request, obj)
        if form.is_bound and form.going_live:
            blockers = list(form.publish_problems)
            for inline in context.get("inline_admin_formsets", []):
                blockers.extend(inline.formset.non_form_errors())
        if may_change:
            presence.mark_open(obj, request.user)
        context.update(
            others_editing=presence.others_open(obj, request.user) if obj is not None else [],
            publish_blockers=blockers,
            workflow_buttons=[
                *pending.buttons(request.user, obj, may_change=may_change),
                *publishing.workflow_buttons(
                    request.user,
                    obj,
                    may_change=may_change,
                    sends_back=obj is not None
                    and obj.status == Briefing.Status.REVIEW
                    and reviewing.return_needs_reason(briefing=obj, by=request.user),
                ),
            ],
            pending_notice=pending.notice(request, obj),
            autosave_notice=autosave.notice(request, obj) if obj is not None else None,
            autosave_url=(
                reverse("admin:briefings_briefing_autosave", args=[obj.pk]) if may_change else None
            ),
            autosave_seconds=settings.NEWSROOM_AUTOSAVE_SECONDS,
            review_notes=reviewing.notes_to_answer(obj),
            edit_conflict=getattr(form, "conflict", None),
            preview_links=preview.preview_links(request.user, obj),
            history_url=history.history_url(obj) if obj else None,
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_add(self, request, obj, post_url_continue=None):
        presence.mark_open(obj, request.user)
        if workflow_button(request):
            return publishing.run_workflow_button(self, request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        presence.mark_open(obj, request.user)
        if getattr(request, "_pending_saved", None) is not None:
            return pending.respond(self, request, obj)
        if workflow_button(request):
            return publishing.run_workflow_button(self, request, obj)
        return super().response_change(request, obj)

    # History, compare, restore, preview -------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("import/", view(importing.import_view(self)), name="briefings_briefing_import"),
            path(
                "import/report/",
                view(importing.report_view(self)),
                name="briefings_briefing_import_report",
            ),
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
                "<int:object_id>/send-back/",
                view(self.send_back_view),
                name="briefings_briefing_send_back",
            ),
            path(
                "<int:object_id>/preview/<slug:audience>/",
                self.preview_view,
                name="briefings_briefing_preview",
            ),
            *pending.urls(self),
            *autosave.urls(self),
            *super().get_urls(),
        ]

    def history_view(self, request, object_id, extra_context=None):
        return history.history_view(self, request, object_id, extra_context)

    def compare_view(self, request, object_id):
        return history.compare_view(self, request, object_id)

    def restore_view(self, request, object_id, history_id):
        return history.restore_view(self, request, object_id, history_id)

    def send_back_view(self, request, object_id):
        return review.send_back_view(self, request, object_id)

    def preview_view(self, request, object_id, audience):
        # Not wrapped in admin_view: anonymous visitors and staff without the preview
        # permission get their own answers first (see preview.preview_view).
        return preview.preview_view(self, request, object_id, audience)
