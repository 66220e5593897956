"""
Sending a briefing back to its writer: a small form that asks why, before anything changes.

The change form's "Save and send back to the writer…" saves what was typed, then opens this
page; the briefing goes back to draft only when a reason is given here, and the reason is
kept (a `ReviewNote`), shown on the change form and e-mailed to the writer
(briefings/reviewing.py). A writer taking their own submission back needs no reason.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from briefings import reviewing, workflow
from briefings.fields import TextFormField
from briefings.models import Briefing
from briefings.newsroom.history import briefing_or_404, page_context


class SendBackForm(forms.Form):
    reason = TextFormField(
        label="Why does it go back?",
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        help_text="The writer sees this on the briefing until they submit it again, and by e-mail.",
        error_messages={"required": workflow.RETURN_REASON_REQUIRED},
    )


def send_back_url(briefing) -> str:
    return reverse("admin:briefings_briefing_send_back", args=[briefing.pk])


def change_url(briefing) -> str:
    return reverse("admin:briefings_briefing_change", args=[briefing.pk])


def send_back_view(model_admin, request, object_id):
    briefing = briefing_or_404(request, object_id, permission=model_admin.has_change_permission)
    if briefing.status != Briefing.Status.REVIEW:
        model_admin.message_user(request, f"“{briefing}” is not in review.", messages.WARNING)
        return HttpResponseRedirect(change_url(briefing))
    form = SendBackForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            workflow.briefing_return_to_draft(
                briefing=briefing, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            model_admin.message_user(
                request,
                f"“{briefing}” is back to draft; its writer has your reason.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(change_url(briefing))
    context = page_context(
        model_admin,
        request,
        briefing,
        f"Send “{briefing}” back to its writer",
        form=form,
        submission=reviewing.submission_of(briefing),
    )
    return TemplateResponse(request, "admin/briefings/briefing/send_back.html", context)
