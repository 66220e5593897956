"""
The change form's autosave (static/js/autosave.js posts the whole form here a few
seconds after a change, and when the page is hidden).

The form is validated as a save would validate it, by the same form and formsets,
edit-conflict check included, but nothing a reader can reach is written:

- a live (published or scheduled) briefing's form becomes its pending change, exactly as
  "Save" would keep it (briefings.pending): the version is raised, and the answer
  carries the new one for the form's hidden field, so the editor's own next save is not
  refused as a conflict with their autosave;
- any other briefing's form becomes the editor's own autosave (briefings.autosave).

Answers are JSON: 200 with the time saved, 400 with the form's messages, 409 when a
colleague saved since the form was opened (nothing is written: their save stays), 403
without the permission to change the briefing. The page keeps what was typed whatever
the answer.
"""

from django.contrib import messages
from django.db import transaction
from django.forms.formsets import all_valid
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import path, reverse
from django.utils import timezone

from briefings import presence
from briefings.autosave import autosave_discard, autosave_write
from briefings.models import Section
from briefings.newsroom import pending
from briefings.pending import data as pending_data
from briefings.pending.workflow import holds_changes


def _answer(status: int, *, saved: bool, message: str, **extra) -> JsonResponse:
    return JsonResponse({"saved": saved, "message": message, **extra}, status=status)


def _form_messages(form, formsets) -> list[str]:
    """Every error of the form and its formsets, each named by its field."""
    found = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        found += [f"{label}: {error}" if label else error for error in errors]
    for formset in formsets:
        found += list(formset.non_form_errors())
        noun = "Section" if formset.model is Section else "Source"
        for index, errors in enumerate(formset.errors, start=1):
            for name, field_errors in errors.items():
                found += [f"{noun} {index}, {name}: {error}" for error in field_errors]
    return found


def _parts(form, formsets) -> dict:
    briefing = form.instance
    parts = {"sections": briefing.sections.all(), "citations": briefing.citations.all()}
    for formset in formsets:
        if formset.model is Section:
            parts["sections"] = formset.kept_instances()
        else:
            parts["citations"] = [c for c in formset.kept_instances() if c.source_id is not None]
    return parts


def autosave_view(model_admin, request, object_id):
    if request.method != "POST":
        response = _answer(405, saved=False, message="Autosave takes the form as a POST.")
        response["Allow"] = "POST"
        return response
    briefing = model_admin.get_object(request, str(object_id))
    if briefing is None:
        return _answer(404, saved=False, message="This briefing has been deleted.")
    if not model_admin.has_change_permission(request, briefing):
        return _answer(403, saved=False, message="You may not change this briefing.")
    live = holds_changes(briefing)
    with transaction.atomic():
        form = model_admin.get_form(request, briefing, change=True)(
            request.POST, request.FILES, instance=briefing
        )
        formsets, _ = model_admin._create_formsets(request, form.instance, change=True)
        form_valid = form.is_valid()
        formsets_valid = all_valid(formsets)
        if form.conflict is not None:
            who = ", ".join(form.conflict.saved_by) or "someone"
            return _answer(
                409,
                saved=False,
                message=(
                    f"{who} saved a newer version since you opened this page, so it is not "
                    "autosaved. Save to see what they changed beside your text."
                ),
            )
        if not (form_valid and formsets_valid):
            return _answer(400, saved=False, message="", errors=_form_messages(form, formsets))
        if live:
            # What "Save" would keep: readers see no change (briefings.pending).
            pending.hold(request, form, formsets)
            saved_at = request._pending_saved.updated_at
        else:
            autosave = autosave_write(
                briefing=briefing,
                user=request.user,
                data=pending_data.data_from(form.instance, **_parts(form, formsets)),
                base_version=form.cleaned_data.get("base_version"),
            )
            saved_at = autosave.saved_at
        presence.mark_open(briefing, request.user)
    version = type(briefing).objects.filter(pk=briefing.pk).values_list("version", flat=True)[0]
    return _answer(
        200,
        saved=True,
        message=f"Saved at {timezone.localtime(saved_at):%H:%M}",
        saved_at=saved_at.isoformat(),
        version=version,
        kept_as="pending change" if live else "autosave",
    )


def discard_view(model_admin, request, object_id):
    """Throw one's own autosave away (a POST) and open the briefing as saved."""
    briefing = model_admin.get_object(request, str(object_id))
    change_url = reverse("admin:briefings_briefing_change", args=[object_id])
    if request.method != "POST":
        return HttpResponseRedirect(change_url)
    if briefing is not None and autosave_discard(briefing=briefing, user=request.user):
        model_admin.message_user(
            request,
            "Your autosaved changes are discarded: this is the saved version.",
            messages.INFO,
        )
    return HttpResponseRedirect(change_url)


def notice(request, briefing) -> dict | None:
    """What the change form says about the editor's own autosave, or None without one."""
    autosave = pending.own_autosave(request, briefing)
    if autosave is None or request.method != "GET":
        return None
    change_url = reverse("admin:briefings_briefing_change", args=[briefing.pk])
    return {
        "autosave": autosave,
        "opened": pending.opens_with_autosave(request, briefing),
        "current": autosave.is_current(briefing),
        "restore_url": f"{change_url}?autosave={pending.RESTORE_AUTOSAVE}",
        "discard_url": reverse("admin:briefings_briefing_autosave_discard", args=[briefing.pk]),
    }


def urls(model_admin) -> list:
    view = model_admin.admin_site.admin_view
    return [
        path(
            "<int:object_id>/autosave/",
            view(lambda request, object_id: autosave_view(model_admin, request, object_id)),
            name="briefings_briefing_autosave",
        ),
        path(
            "<int:object_id>/autosave/discard/",
            view(lambda request, object_id: discard_view(model_admin, request, object_id)),
            name="briefings_briefing_autosave_discard",
        ),
    ]
