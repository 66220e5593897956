"""
Publishing from the newsroom: the change-form buttons and the list actions.

Publishing state only changes through these, and they call briefings/workflow.py: there
is no status field to set, so a writer cannot publish by choosing a value, and the
workflow checks the permission again.
"""

from datetime import datetime

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from briefings import reviewing, workflow
from briefings.models import Briefing
from briefings.workflow import WRITER_STATUSES, can_publish

# The change-form buttons that change publishing state, by POST name.
PUBLISH, UNPUBLISH, ARCHIVE = "_publish", "_unpublish", "_archive"
SUBMIT, TO_DRAFT = "_submit_review", "_return_to_draft"
WORKFLOW_BUTTONS = (PUBLISH, UNPUBLISH, ARCHIVE, SUBMIT, TO_DRAFT)
# A live briefing's pending changes (newsroom/pending.py runs these).
PUBLISH_CHANGES, SUBMIT_CHANGES = "_publish_changes", "_submit_changes"
PUBLISHER_BUTTONS = (PUBLISH, UNPUBLISH, ARCHIVE, PUBLISH_CHANGES)


def workflow_button(request) -> str | None:
    if request.method != "POST":
        return None
    return next((name for name in WORKFLOW_BUTTONS if name in request.POST), None)


def may_edit(request, briefing) -> bool:
    """
    What readers see, or will see at its time, changes only with the publish permission:
    writers edit drafts and briefings in review, and prepare changes to live and
    scheduled ones (held until an editor publishes them); archived ones are read-only
    for them.
    """
    return (
        briefing is None
        or briefing.status in (*WRITER_STATUSES, *Briefing.LIVE_STATUSES)
        or can_publish(request.user)
    )


def going_live(request, briefing) -> bool:
    """Whether this save leaves readers seeing it, so the pre-publish checks apply."""
    button = workflow_button(request)
    if button == PUBLISH:
        return True
    if button in (UNPUBLISH, ARCHIVE):
        return False
    # A live briefing's edits are held as pending changes: checked when they go live.
    return (
        request.method == "POST"
        and PUBLISH_CHANGES in request.POST
        and briefing is not None
        and briefing.status in Briefing.LIVE_STATUSES
    )


def future_publish_time(briefing) -> datetime | None:
    """The publish time to schedule for, when the editor set one in the future."""
    at = briefing.published_at
    return at if at is not None and at > timezone.now() else None


def is_scheduled(briefing) -> bool:
    """Live by status, with a publish time still to come."""
    return (
        briefing.status in Briefing.LIVE_STATUSES
        and briefing.published_at is not None
        and briefing.published_at > timezone.now()
    )


def status_label(briefing) -> str:
    """The change list's status: scheduled with its time, published, or the status."""
    if is_scheduled(briefing):
        return f"Scheduled for {timezone.localtime(briefing.published_at):%Y-%m-%d %H:%M}"
    if briefing.status in Briefing.LIVE_STATUSES:
        return "Published"
    return briefing.get_status_display()


def state_sentence(briefing) -> str:
    """The change form's publishing state: where the briefing stands, in a sentence."""
    if briefing is None or briefing.pk is None:
        return "Draft: not on the site until an editor publishes it."
    when = (
        f"{timezone.localtime(briefing.published_at):%Y-%m-%d %H:%M %Z}"
        if briefing.published_at
        else ""
    )
    if is_scheduled(briefing):
        return f"Scheduled: appears on the site at {when}."
    if briefing.status in Briefing.LIVE_STATUSES:
        return format_html(
            'Published: on the site since {} (<a href="{}">view it</a>).',
            when,
            briefing.get_absolute_url(),
        )
    if briefing.status == Briefing.Status.REVIEW:
        return "In review: waiting for an editor to publish it. Not on the site."
    if briefing.status == Briefing.Status.ARCHIVED:
        return "Archived: off the site, kept here with its history."
    return "Draft: not on the site."


def moved_publish_time_status(briefing) -> None:
    """
    An editor moving the publish time of a live briefing moves it between live and
    scheduled; the status says which, as the workflow would have set it.
    """
    if briefing.status in Briefing.LIVE_STATUSES and briefing.published_at is not None:
        briefing.status = (
            Briefing.Status.SCHEDULED
            if briefing.published_at > timezone.now()
            else Briefing.Status.PUBLISHED
        )


# --- The change form's buttons --------------------------------------------------------


def workflow_buttons(
    user, briefing, *, may_change: bool, sends_back: bool = False
) -> list[tuple[str, str]]:
    """
    The workflow buttons (POST name, label) the change form offers this user;
    `sends_back`: taking it out of review sends it back to someone else, with a reason.
    """
    publisher = can_publish(user)
    if briefing is None:
        buttons = [(SUBMIT, "Save and submit for review")]
        if publisher:
            buttons.append((PUBLISH, "Save and publish"))
        return buttons
    if not may_change:
        return []
    status = briefing.status
    offered = [
        (SUBMIT, "Save and submit for review", status == Briefing.Status.DRAFT),
        (
            TO_DRAFT,
            "Save and send back to the writer…" if sends_back else "Save and return to draft",
            status == Briefing.Status.REVIEW,
        ),
        (PUBLISH, "Save and publish", publisher and status not in Briefing.LIVE_STATUSES),
        (
            UNPUBLISH,
            "Save and unpublish",
            publisher and status in {*Briefing.LIVE_STATUSES, Briefing.Status.ARCHIVED},
        ),
        (ARCHIVE, "Save and archive", publisher and status != Briefing.Status.ARCHIVED),
    ]
    return [(name, label) for name, label, shown in offered if shown]


def run_workflow_button(model_admin, request, briefing):
    """Run the pressed button on the just-saved briefing, say how it went, reopen it."""
    run = BUTTON_RUNNERS[workflow_button(request)]
    try:
        response = run(model_admin, request, briefing)
    except ValidationError as error:
        model_admin.message_user(
            request, f"“{briefing}” was saved, but: " + " ".join(error.messages), messages.ERROR
        )
        response = None
    return response or HttpResponseRedirect(
        reverse("admin:briefings_briefing_change", args=[briefing.pk])
    )


def _publish(model_admin, request, briefing):
    workflow.briefing_publish(briefing=briefing, by=request.user, at=future_publish_time(briefing))
    if briefing.status == Briefing.Status.SCHEDULED:
        message = (
            f"“{briefing}” is scheduled: it appears on the site at "
            f"{timezone.localtime(briefing.published_at):%Y-%m-%d %H:%M %Z}."
        )
    else:
        message = format_html(
            '“{}” is published. <a href="{}">View it on the site</a>.',
            briefing,
            briefing.get_absolute_url(),
        )
    model_admin.message_user(request, message, messages.SUCCESS)


def _unpublish(model_admin, request, briefing):
    workflow.briefing_unpublish(briefing=briefing, by=request.user)
    model_admin.message_user(request, f"“{briefing}” is unpublished: back to draft.")


def _archive(model_admin, request, briefing):
    workflow.briefing_archive(briefing=briefing, by=request.user)
    model_admin.message_user(request, f"“{briefing}” is archived: off the site.")


def _submit(model_admin, request, briefing):
    problems = workflow.briefing_submit_for_review(briefing=briefing, by=request.user)
    model_admin.message_user(request, f"“{briefing}” is submitted for review.", messages.SUCCESS)
    if problems:
        model_admin.message_user(
            request,
            "Before it can be published: " + " ".join(p.message for p in problems),
            messages.WARNING,
        )


def _to_draft(model_admin, request, briefing):
    if reviewing.return_needs_reason(briefing=briefing, by=request.user):
        # Saved; it goes back only once the reason is given (newsroom/review.py).
        model_admin.message_user(request, f"“{briefing}” was saved. Say why it goes back.")
        return HttpResponseRedirect(
            reverse("admin:briefings_briefing_send_back", args=[briefing.pk])
        )
    workflow.briefing_return_to_draft(briefing=briefing, by=request.user)
    model_admin.message_user(request, f"“{briefing}” is back to draft.")


BUTTON_RUNNERS = {
    PUBLISH: _publish,
    UNPUBLISH: _unpublish,
    ARCHIVE: _archive,
    SUBMIT: _submit,
    TO_DRAFT: _to_draft,
}


# --- The change list's actions --------------------------------------------------------


def run_action(model_admin, request, queryset, verb, run) -> None:
    """Run `run` on each selected briefing; name the ones done and why others were not."""
    done, failed = [], []
    for briefing in queryset:
        try:
            run(briefing)
        except ValidationError as error:
            failed.append((briefing, error.messages))
        else:
            done.append(briefing)
    if done:
        model_admin.message_user(
            request,
            f"{verb}: " + ", ".join(f"“{b}”" for b in done) + ".",
            messages.SUCCESS,
        )
    for briefing, problems in failed:
        model_admin.message_user(
            request,
            f"“{briefing}” was not {verb.lower()}: " + " ".join(problems),
            messages.ERROR,
        )


def list_action(name, *, description, permission, verb, run):
    """A change-list action that runs `run(briefing=..., by=...)` on each selected one."""

    def action(model_admin, request, queryset):
        run_action(model_admin, request, queryset, verb, lambda b: run(briefing=b, by=request.user))

    action.__name__ = action.__qualname__ = name
    return admin.action(description=description, permissions=[permission])(action)


def publish_now_or_at_its_time(*, briefing, by):
    """Publish, or schedule when the editor set a publish time in the future."""
    return workflow.briefing_publish(briefing=briefing, by=by, at=future_publish_time(briefing))


ACTIONS = [
    list_action(
        "publish_selected",
        description=("Publish selected briefings (those with a future publish time are scheduled)"),
        permission="publish",
        verb="Published or scheduled",
        run=publish_now_or_at_its_time,
    ),
    list_action(
        "unpublish_selected",
        description="Unpublish selected briefings (back to draft)",
        permission="publish",
        verb="Unpublished",
        run=workflow.briefing_unpublish,
    ),
    list_action(
        "archive_selected",
        description="Archive selected briefings",
        permission="publish",
        verb="Archived",
        run=workflow.briefing_archive,
    ),
    list_action(
        "submit_selected_for_review",
        description="Submit selected drafts for review",
        permission="change",
        verb="Submitted for review",
        run=workflow.briefing_submit_for_review,
    ),
]
