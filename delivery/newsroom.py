"""
Delivery in the newsroom: the e-mail choice on the briefing's change form, its send
report (with "Retry failed") and its e-mail previews per audience.

briefings must not import delivery (delivery imports briefings), so delivery extends the
briefing admin from its own side: delivery/admin.py re-registers Briefing with
`DeliveryBriefingAdmin`, a subclass of the newsroom's `BriefingAdmin` that adds one
non-model form field (`send_to`), one fieldset and three pages. Publishing stays one
click: the editor picks who gets it and presses "Save and publish"; the choice is stored
as the form is saved, before the publish button runs, and the workflow's
`briefing_published` signal plans the dispatch (delivery.dispatch).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.csp import CSP
from django.utils.html import format_html
from django.views.decorators.clickjacking import xframe_options_sameorigin

from briefings.admin import BriefingAdmin
from briefings.models import Briefing
from briefings.newsroom.forms import BriefingForm
from briefings.newsroom.publishing import workflow_button
from briefings.pending.workflow import pending_change_for
from briefings.workflow import can_preview, can_publish
from delivery.dispatch import briefing_send_choose, dispatch_plan_on_commit
from delivery.emails import email_preview
from delivery.models import BriefingSend, Delivery
from delivery.sending import deliveries_retry
from members import access
from members.access import Audience, ReaderStatus

Recipients = BriefingSend.Recipients
# Without a choice saved, an editor's publish goes to the followers: that is what members
# asked for by following. The importer and load_demo publish without a choice: no e-mail.
DEFAULT_CHOICE = Recipients.FOLLOWERS.value
FAILED_SHOWN = 200


# --- The choice ------------------------------------------------------------------------


def tier_choice(tier: Audience) -> str:
    return f"tier:{tier.slug}"


def tier_label(tier: Audience) -> str:
    others = [held.label for held in access.tiers_reaching(tier) if held != tier]
    label = f"Every {tier.label} member"
    return label + (f", and every {' and '.join(others)} member" if others else "")


def send_choices() -> list[tuple[str, str]]:
    return [
        (Recipients.FOLLOWERS.value, Recipients.FOLLOWERS.label),
        *((tier_choice(tier), tier_label(tier)) for tier in access.TIERS),
        (Recipients.NOBODY.value, Recipients.NOBODY.label),
    ]


def choice_value(send: BriefingSend | None) -> str:
    if send is None:
        return DEFAULT_CHOICE
    if send.recipients == Recipients.TIER:
        return tier_choice(Audience(send.tier))
    return send.recipients


def choice_parts(value: str) -> tuple[str, int | None]:
    """(recipients, tier) from a `send_to` value."""
    for tier in access.TIERS:
        if value == tier_choice(tier):
            return Recipients.TIER, int(tier)
    return value, None


def choice_sentence(send: BriefingSend | None) -> str:
    if send is None or send.recipients == Recipients.NOBODY:
        return "No one."
    if send.recipients == Recipients.TIER:
        return tier_label(Audience(send.tier)) + "."
    return Recipients.FOLLOWERS.label + "."


class BriefingSendForm(BriefingForm):
    send_to = forms.ChoiceField(
        label="Send by e-mail to",
        choices=send_choices,
        widget=forms.RadioSelect,
        required=False,
        help_text=(
            "When it goes live (at once when you publish, or at its scheduled time), each "
            "recipient gets the parts their own membership may read, with lock cards for "
            "the rest. Members who follow get it only if they asked for an e-mail for each "
            "briefing; everyone can unsubscribe. Sent once: afterwards this shows the report."
        ),
    )

    # Set per request by DeliveryBriefingAdmin.get_form.
    send_initial = DEFAULT_CHOICE

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "send_to" in self.fields:
            self.fields["send_to"].initial = self.send_initial


def briefing_send(request, obj) -> BriefingSend | None:
    """The briefing's send, read once per request."""
    if obj is None or obj.pk is None:
        return None
    cache = request.__dict__.setdefault("_briefing_sends", {})
    if obj.pk not in cache:
        cache[obj.pk] = BriefingSend.objects.filter(briefing=obj).first()
    return cache[obj.pk]


def offers_choice(request, obj) -> bool:
    """Editors choose until it is sent; a briefing already live without a choice keeps none."""
    if not can_publish(request.user):
        return False
    if obj is None:
        return True
    send = briefing_send(request, obj)
    if send is not None:
        return send.dispatched_at is None
    return not obj.is_live()


# --- The report ----------------------------------------------------------------------


def status_counts(briefing) -> list[tuple[str, str, int]]:
    """(status, label, count) for every status, in the ledger's order."""
    counts = dict(
        Delivery.objects.filter(briefing=briefing, kind=Delivery.Kind.BRIEFING)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    return [(value, label, counts.get(value, 0)) for value, label in Delivery.Status.choices]


def report_url(briefing) -> str:
    return reverse("admin:briefings_briefing_send_report", args=[briefing.pk])


def send_state(send: BriefingSend | None, briefing) -> str:
    """The e-mail fieldset's sentence when the choice is no longer offered."""
    if send is None or send.recipients == Recipients.NOBODY:
        return "Not sent by e-mail."
    who = choice_sentence(send)
    if send.dispatched_at is None:
        return f"Sent when it goes live to: {who}"
    counts = ", ".join(f"{n} {label.lower()}" for _, label, n in status_counts(briefing) if n)
    return format_html(
        'Sent to: {} Queued {}: {}. <a href="{}">Send report</a>',
        who,
        f"{timezone.localtime(send.dispatched_at):%Y-%m-%d %H:%M %Z}",
        counts or "no recipients",
        report_url(briefing),
    )


def send_report_view(model_admin, request, object_id):
    briefing = get_object_or_404(Briefing, pk=object_id)
    if not model_admin.has_view_or_change_permission(request, briefing):
        raise PermissionDenied
    if request.method == "POST":
        if not can_publish(request.user):
            raise PermissionDenied
        retried = deliveries_retry(Delivery.objects.filter(briefing=briefing))
        model_admin.message_user(
            request, f"{retried} failed e-mail(s) queued again.", messages.SUCCESS
        )
        return HttpResponseRedirect(report_url(briefing))
    failed = Delivery.objects.filter(briefing=briefing, status=Delivery.Status.FAILED)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "object": briefing,
        "title": f"Send report: {briefing}",
        "send": briefing_send(request, briefing),
        "choice": choice_sentence(briefing_send(request, briefing)),
        "counts": status_counts(briefing),
        "failed": failed.select_related("user").order_by("pk")[:FAILED_SHOWN],
        "failed_shown": FAILED_SHOWN,
        "may_retry": can_publish(request.user),
        "deliveries_url": (
            reverse("admin:delivery_delivery_changelist") + f"?briefing__id__exact={briefing.pk}"
            if request.user.has_perm("delivery.view_delivery")
            else ""
        ),
    }
    return TemplateResponse(request, "admin/delivery/send_report.html", context)


# --- E-mail previews -----------------------------------------------------------------

# Each audience a briefing's e-mail can be read as: a slug, a label and the reader.
PREVIEW_READERS = {
    **{
        audience.slug: (
            audience.label if access.is_member_audience(audience) else "Signed in, no membership",
            ReaderStatus(audience=audience, is_authenticated=True),
        )
        for audience in Audience
    },
    "lapsed": (
        "A member whose membership ended",
        ReaderStatus(is_authenticated=True, lapsed=frozenset(access.TIERS)),
    ),
}


def preview_reader(slug: str) -> tuple[str, ReaderStatus]:
    if slug not in PREVIEW_READERS:
        raise Http404("No such audience.")
    return PREVIEW_READERS[slug]


# ?changes=1: the e-mail of a live briefing with its changes not yet published.
CHANGES_PARAMETER = "changes"


def email_preview_url(briefing, slug: str, *, html: bool = False, changes: bool = False) -> str:
    name = "briefings_briefing_email_preview" + ("_html" if html else "")
    url = reverse(f"admin:{name}", args=[briefing.pk, slug])
    return f"{url}?{CHANGES_PARAMETER}=1" if changes else url


def previews_changes(request) -> bool:
    return request.GET.get(CHANGES_PARAMETER) == "1"


def _previewed(request, object_id, slug):
    if not can_preview(request.user):
        raise PermissionDenied
    label, reader = preview_reader(slug)
    briefing = get_object_or_404(Briefing, pk=object_id)
    changes = None
    if previews_changes(request):
        change = pending_change_for(briefing)
        if change is None:
            raise Http404("No changes waiting to be published.")
        changes = change.data
    return briefing, label, email_preview(briefing, reader, changes=changes)


def html_part(message) -> str:
    return next((body for body, kind in message.alternatives if kind == "text/html"), "")


def email_preview_view(model_admin, request, object_id, audience):
    briefing, label, message = _previewed(request, object_id, audience)
    changes = previews_changes(request)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "object": briefing,
        "title": (
            f"E-mail preview of the changes: {briefing}"
            if changes
            else f"E-mail preview: {briefing}"
        ),
        "label": label,
        "message": message,
        "html_url": email_preview_url(briefing, audience, html=True, changes=changes),
        "changes": changes,
        "links": [
            {
                "label": name,
                "url": email_preview_url(briefing, slug, changes=changes),
                "current": slug == audience,
            }
            for slug, (name, _) in PREVIEW_READERS.items()
        ],
    }
    response = TemplateResponse(request, "admin/delivery/email_preview.html", context)
    response["Cache-Control"] = "no-store"
    return response


# The e-mail's own HTML, framed by the preview page: its CSS is inlined (style
# attributes), so it gets its own policy, and the frame is sandboxed (no scripts, no
# same-origin rights).
EMAIL_FRAME_CSP = {
    "default-src": [CSP.NONE],
    "style-src": [CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "https:", "data:"],
    "frame-ancestors": [CSP.SELF],
    "sandbox": True,
}


@xframe_options_sameorigin
def email_preview_html_view(request, object_id, audience):
    _, _, message = _previewed(request, object_id, audience)
    response = HttpResponse(html_part(message))
    response._csp_config = EMAIL_FRAME_CSP
    response["Cache-Control"] = "no-store"
    return response


# --- The admin -----------------------------------------------------------------------


class DeliveryBriefingAdmin(BriefingAdmin):
    form = BriefingSendForm

    def get_fieldsets(self, request, obj=None):
        fields = ["send_to"] if offers_choice(request, obj) else ["email_send"]
        return [*super().get_fieldsets(request, obj), ("E-mail", {"fields": fields})]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "email_send"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.send_initial = choice_value(briefing_send(request, obj))
        return form

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        value = form.cleaned_data.get("send_to")
        if "send_to" not in form.fields or not value or not can_publish(request.user):
            return
        recipients, tier = choice_parts(value)
        briefing_send_choose(briefing=obj, recipients=recipients, tier=tier, by=request.user)
        if not workflow_button(request) and obj.status in Briefing.LIVE_STATUSES:
            # A scheduled briefing's new time or choice: publishing would plan it too.
            dispatch_plan_on_commit(obj.pk)

    @admin.display(description="sending")
    def email_send(self, obj):
        if obj is None or obj.pk is None:
            return "Not sent by e-mail."
        return send_state(BriefingSend.objects.filter(briefing=obj).first(), obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        response = super().render_change_form(request, context, add, change, form_url, obj)
        if obj is not None and can_preview(request.user):
            # One more preview beside the page's: the e-mail, as each audience gets it.
            response.context_data["preview_links"] = [
                *response.context_data.get("preview_links", []),
                ("e-mail", email_preview_url(obj, Audience.PUBLIC.slug)),
            ]
            notice = response.context_data.get("pending_notice")
            if notice and notice["live"] and notice["preview_links"]:
                notice["preview_links"] = [
                    *notice["preview_links"],
                    ("e-mail", email_preview_url(obj, Audience.PUBLIC.slug, changes=True)),
                ]
        return response

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:object_id>/send-report/",
                view(lambda request, object_id: send_report_view(self, request, object_id)),
                name="briefings_briefing_send_report",
            ),
            path(
                "<int:object_id>/email-preview/<slug:audience>/",
                view(
                    lambda request, object_id, audience: email_preview_view(
                        self, request, object_id, audience
                    )
                ),
                name="briefings_briefing_email_preview",
            ),
            path(
                "<int:object_id>/email-preview/<slug:audience>/html/",
                view(email_preview_html_view),
                name="briefings_briefing_email_preview_html",
            ),
            *super().get_urls(),
        ]
