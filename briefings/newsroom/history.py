"""
A briefing's revision history in the newsroom: every save listed, two versions compared,
an old version restored. BriefingAdmin's history_view, compare_view and restore_view call
these with itself, for its permissions, messages and admin context.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse

from briefings import revisions, workflow
from briefings.models import Briefing


def may_restore(model_admin, request, briefing) -> bool:
    """Restoring writes the rows readers see: for a live briefing, editors only."""
    return model_admin.has_change_permission(request, briefing) and (
        briefing.status in workflow.WRITER_STATUSES or workflow.can_publish(request.user)
    )


def history_url(briefing) -> str:
    return reverse("admin:briefings_briefing_history", args=[briefing.pk])


def briefing_or_404(request, object_id, *, permission):
    briefing = get_object_or_404(Briefing, pk=object_id)
    if not permission(request, briefing):
        raise PermissionDenied
    return briefing


def page_context(model_admin, request, briefing, title, **extra) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "object": briefing,
        "title": title,
        **extra,
    }


def history_record(briefing, history_id):
    """The saved version `history_id` of this briefing, or None."""
    try:
        return briefing.history.get(history_id=int(history_id))
    except (TypeError, ValueError, Briefing.history.model.DoesNotExist):
        return None


def history_view(model_admin, request, object_id, extra_context=None):
    briefing = briefing_or_404(
        request, object_id, permission=model_admin.has_view_or_change_permission
    )
    history = revisions.snapshots(briefing)
    entries = [
        (snap.record, revisions.change_summary(older, snap))
        for snap, older in zip(history, [*history[1:], None], strict=True)
    ]
    context = page_context(
        model_admin,
        request,
        briefing,
        f"History: {briefing}",
        entries=entries,
        can_restore=may_restore(model_admin, request, briefing),
        **(extra_context or {}),
    )
    return TemplateResponse(request, "admin/briefings/briefing/history.html", context)


def compare_view(model_admin, request, object_id):
    briefing = briefing_or_404(
        request, object_id, permission=model_admin.has_view_or_change_permission
    )
    old = history_record(briefing, request.GET.get("from"))
    new = history_record(briefing, request.GET.get("to"))
    if old is None or new is None:
        model_admin.message_user(
            request, "Choose two versions of this briefing to compare.", messages.WARNING
        )
        return HttpResponseRedirect(history_url(briefing))
    if (old.history_date, old.history_id) > (new.history_date, new.history_id):
        old, new = new, old
    comparison = revisions.compare(revisions.snapshot(old), revisions.snapshot(new))
    context = page_context(
        model_admin,
        request,
        briefing,
        f"Compare versions {old.version} and {new.version}: {briefing}",
        comparison=comparison,
        history_url=history_url(briefing),
    )
    return TemplateResponse(request, "admin/briefings/briefing/compare.html", context)


def restore_view(model_admin, request, object_id, history_id):
    briefing = briefing_or_404(
        request, object_id, permission=lambda r, b: may_restore(model_admin, r, b)
    )
    record = history_record(briefing, history_id)
    if record is None:
        raise Http404("No such version of this briefing.")
    if request.method == "POST":
        restore(model_admin, request, briefing, record)
        return HttpResponseRedirect(reverse("admin:briefings_briefing_change", args=[briefing.pk]))
    latest = revisions.versions(briefing).first()
    comparison = revisions.compare(revisions.snapshot(latest), revisions.snapshot(record))
    context = page_context(
        model_admin,
        request,
        briefing,
        f"Restore version {record.version}: {briefing}",
        record=record,
        comparison=comparison,
        history_url=history_url(briefing),
    )
    return TemplateResponse(request, "admin/briefings/briefing/restore.html", context)


def restore(model_admin, request, briefing, record) -> None:
    """Restore `record` through the workflow and say how it went."""
    try:
        warnings = workflow.briefing_restore(briefing=briefing, record=record, by=request.user)
    except ValidationError as error:
        model_admin.message_user(
            request,
            f"Version {record.version} was not restored: " + " ".join(error.messages),
            messages.ERROR,
        )
        return
    model_admin.message_user(
        request,
        f"Version {record.version} is restored, with its sections and citations. "
        "What was there before is kept in the history.",
        messages.SUCCESS,
    )
    for warning in warnings:
        model_admin.message_user(request, warning, messages.WARNING)
