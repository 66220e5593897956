"""
A live briefing's pending changes in the newsroom (see briefings.pending).

Saving the change form of a published or scheduled briefing keeps what it would have
written as the briefing's pending change; the form then opens with it, under a notice
that it is not live yet, with Publish changes, Discard, Preview and Compare. BriefingAdmin
calls these from its hooks and adds the pages below to its URLs.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from briefings.autosave import autosave_for
from briefings.models import Section
from briefings.newsroom import history
from briefings.newsroom.preview import BriefingPreviewView, preview_view
from briefings.newsroom.publishing import (
    ARCHIVE,
    PUBLISH_CHANGES,
    SUBMIT_CHANGES,
    UNPUBLISH,
    workflow_button,
)
from briefings.pending import data as pending_data
from briefings.pending.workflow import (
    briefing_publish_changes,
    holds_changes,
    pending_change_discard,
    pending_change_for,
    pending_change_save,
)
from briefings.workflow import can_preview, can_publish
from members import access
from members.access import Audience


def change_of(request, briefing):
    """The briefing's pending change, read once per request."""
    if briefing is None or briefing.pk is None:
        return None
    cache = request.__dict__.setdefault("_pending_changes", {})
    if briefing.pk not in cache:
        cache[briefing.pk] = pending_change_for(briefing)
    return cache[briefing.pk]


def holds(request, briefing) -> bool:
    """Whether this save keeps the form as pending changes rather than writing the rows."""
    return (
        briefing is not None
        and holds_changes(briefing)
        and workflow_button(request) not in (UNPUBLISH, ARCHIVE)
    )


# --- The change form -------------------------------------------------------------------


RESTORE_AUTOSAVE = "restore"  # ?autosave=restore: open the form with one's own autosave


def own_autosave(request, briefing):
    """The editor's own autosave of the briefing (briefings.autosave), read once per request."""
    if briefing is None or briefing.pk is None:
        return None
    cache = request.__dict__.setdefault("_own_autosaves", {})
    if briefing.pk not in cache:
        cache[briefing.pk] = autosave_for(briefing, request.user)
    return cache[briefing.pk]


def opens_with_autosave(request, briefing) -> bool:
    """
    The form opens with the editor's autosave when nothing was saved since it was made,
    or when they ask to restore it (then from the version it was typed on, so saving it
    meets the edit-conflict check).
    """
    autosave = own_autosave(request, briefing)
    return (
        request.method == "GET"
        and autosave is not None
        and (autosave.is_current(briefing) or request.GET.get("autosave") == RESTORE_AUTOSAVE)
    )


def opening_data(request, briefing) -> tuple[dict, int | None] | None:
    """The values the form opens with instead of the rows, and the version they start from."""
    if request.method != "GET":
        return None
    if opens_with_autosave(request, briefing):
        autosave = own_autosave(request, briefing)
        return autosave.data, autosave.base_version
    change = change_of(request, briefing)
    if change is not None:
        return change.data, None
    return None


def opening_form(request, briefing, form_class):
    """The form class, opening with the pending change's (or an autosave's) values."""
    opening = opening_data(request, briefing)
    if opening is None:
        return form_class
    data, base_version = opening
    initial = pending_data.form_initial(data)
    if base_version is not None:
        initial["base_version"] = base_version

    class PendingChangeForm(form_class):
        def __init__(self, *args, **kwargs):
            # The form's values, not the briefing's: the page around it (its address,
            # its publishing state) still tells what is live.
            if not args and kwargs.get("data") is None:
                kwargs["initial"] = {**(kwargs.get("initial") or {}), **initial}
            super().__init__(*args, **kwargs)

    return PendingChangeForm


def formset_kwargs(request, briefing, inline, kwargs: dict) -> dict:
    opening = opening_data(request, briefing)
    if opening is not None:
        kwargs["pending"] = pending_data.form_rows(opening[0], inline.model, briefing)
    return kwargs


def hold(request, form, formsets) -> None:
    """Keep the validated form and formsets as the briefing's pending change."""
    briefing = form.instance
    parts = {"sections": None, "citations": None}
    for formset in formsets:
        # Nothing was written, so the admin's change message lists no part.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        key = "sections" if formset.model is Section else "citations"
        parts[key] = formset.kept_instances()
    sections = parts["sections"]
    citations = parts["citations"]
    data = pending_data.data_from(
        briefing,
        sections=briefing.sections.all() if sections is None else sections,
        citations=(
            briefing.citations.all()
            if citations is None
            else [c for c in citations if c.source_id is not None]
        ),
    )
    request._pending_saved = pending_change_save(
        briefing=briefing, data=data, by=request.user, submit=SUBMIT_CHANGES in request.POST
    )


def drop_superseded(request, briefing) -> None:
    """
    A briefing saved directly (unpublished, archived, or a draft) whose form opened with
    its pending change: the form held those changes, and now the rows do.
    """
    change = change_of(request, briefing)
    if change is not None:
        change.delete()


def buttons(user, briefing, *, may_change: bool) -> list[tuple[str, str]]:
    """The change form's buttons for a live briefing's changes."""
    if briefing is None or not may_change or not holds_changes(briefing):
        return []
    if can_publish(user):
        return [(PUBLISH_CHANGES, "Save and publish changes")]
    return [(SUBMIT_CHANGES, "Save and submit changes for review")]


def notice(request, briefing) -> dict | None:
    """What the change form says above a pending change, or None without one."""
    change = change_of(request, briefing)
    if change is None:
        return None
    return {
        "change": change,
        "live": holds_changes(briefing),
        "may_publish": can_publish(request.user) and holds_changes(briefing),
        "compare_url": reverse("admin:briefings_briefing_pending_compare", args=[briefing.pk]),
        "discard_url": reverse("admin:briefings_briefing_pending_discard", args=[briefing.pk]),
        "preview_links": pending_preview_links(request.user, briefing),
    }


def respond(model_admin, request, briefing):
    """After a pending save: say what happened (and publish, if asked), reopen or leave."""
    change_url = reverse("admin:briefings_briefing_change", args=[briefing.pk])
    if PUBLISH_CHANGES in request.POST:
        publish(model_admin, request, briefing)
        return HttpResponseRedirect(change_url)
    if SUBMIT_CHANGES in request.POST:
        model_admin.message_user(
            request,
            f"Your changes to “{briefing}” are submitted for review: an editor will publish "
            "them. Readers still see the published version.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(change_url)
    model_admin.message_user(
        request,
        f"Your changes to “{briefing}” are saved but not live yet: readers still see the "
        "published version until an editor publishes the changes.",
        messages.SUCCESS,
    )
    if "_continue" in request.POST:
        return HttpResponseRedirect(change_url)
    return model_admin.response_post_save_change(request, briefing)


def publish(model_admin, request, briefing) -> bool:
    """Publish the briefing's pending change through the workflow, and say how it went."""
    try:
        warnings = briefing_publish_changes(briefing=briefing, by=request.user)
    except ValidationError as error:
        model_admin.message_user(
            request,
            "The changes are not published: " + " ".join(error.messages),
            messages.ERROR,
        )
        return False
    model_admin.message_user(
        request,
        format_html(
            'The changes to “{}” are published. <a href="{}">View it on the site</a>.',
            briefing,
            briefing.get_absolute_url(),
        ),
        messages.SUCCESS,
    )
    for warning in warnings:
        model_admin.message_user(request, warning, messages.WARNING)
    return True


# --- Compare, publish and discard pages -------------------------------------------------


def _briefing_and_change(model_admin, request, object_id):
    briefing = history.briefing_or_404(
        request, object_id, permission=model_admin.has_view_or_change_permission
    )
    change = pending_change_for(briefing)
    if change is None:
        model_admin.message_user(
            request, f"“{briefing}” has no changes waiting to be published.", messages.INFO
        )
    return briefing, change


def compare_view(model_admin, request, object_id):
    """What publishing the changes would change; editors publish them from here."""
    briefing, change = _briefing_and_change(model_admin, request, object_id)
    change_url = reverse("admin:briefings_briefing_change", args=[briefing.pk])
    if change is None:
        return HttpResponseRedirect(change_url)
    if request.method == "POST":
        if not can_publish(request.user):
            raise PermissionDenied
        publish(model_admin, request, briefing)
        return HttpResponseRedirect(change_url)
    context = history.page_context(
        model_admin,
        request,
        briefing,
        f"Changes not yet published: {briefing}",
        change=change,
        comparison=pending_data.comparison(briefing, change.data),
        old_label="Live now",
        new_label="With the changes",
        may_publish=can_publish(request.user) and holds_changes(briefing),
        may_discard=model_admin.has_change_permission(request, briefing),
        preview_links=pending_preview_links(request.user, briefing),
        change_url=change_url,
    )
    return TemplateResponse(request, "admin/briefings/briefing/pending_compare.html", context)


def discard_view(model_admin, request, object_id):
    briefing, change = _briefing_and_change(model_admin, request, object_id)
    change_url = reverse("admin:briefings_briefing_change", args=[briefing.pk])
    if change is None:
        return HttpResponseRedirect(change_url)
    if not model_admin.has_change_permission(request, briefing):
        raise PermissionDenied
    if request.method == "POST":
        pending_change_discard(briefing=briefing, by=request.user)
        model_admin.message_user(
            request,
            f"The changes to “{briefing}” are discarded: it stays as readers see it.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(change_url)
    context = history.page_context(
        model_admin,
        request,
        briefing,
        f"Discard the changes: {briefing}",
        change=change,
        change_url=change_url,
    )
    return TemplateResponse(request, "admin/briefings/briefing/pending_discard.html", context)


# --- Preview -----------------------------------------------------------------------------


class PendingPreviewView(BriefingPreviewView):
    """The briefing with its pending change, as a reader in the chosen audience would see it."""

    def get_object(self, queryset=None):
        briefing = super().get_object(queryset)
        change = pending_change_for(briefing)
        if change is None:
            raise Http404("No changes waiting to be published.")
        return pending_data.reader_copy(briefing, change.data, audience=self.preview_as)

    def page_context(self, parts) -> dict:
        context = super().page_context(parts)
        for link, audience in zip(context["preview_links"], Audience, strict=True):
            link["url"] = pending_preview_url(self.object, audience)
        return context | {"preview_pending": True}


def pending_preview_url(briefing, audience) -> str:
    return reverse("admin:briefings_briefing_pending_preview", args=[briefing.pk, audience.slug])


def pending_preview_links(user, briefing) -> list[tuple[str, str]]:
    if not can_preview(user):
        return []
    return [
        (
            audience.label if access.is_member_audience(audience) else "Anonymous reader",
            pending_preview_url(briefing, audience),
        )
        for audience in Audience
    ]


def urls(model_admin) -> list:
    view = model_admin.admin_site.admin_view
    return [
        path(
            "<int:object_id>/changes/",
            view(lambda request, object_id: compare_view(model_admin, request, object_id)),
            name="briefings_briefing_pending_compare",
        ),
        path(
            "<int:object_id>/changes/discard/",
            view(lambda request, object_id: discard_view(model_admin, request, object_id)),
            name="briefings_briefing_pending_discard",
        ),
        path(
            "<int:object_id>/changes/preview/<slug:audience>/",
            lambda request, object_id, audience: preview_view(
                model_admin, request, object_id, audience, view_class=PendingPreviewView
            ),
            name="briefings_briefing_pending_preview",
        ),
    ]
