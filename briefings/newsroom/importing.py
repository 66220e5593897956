"""
Importing briefing files from admin: the change list's "Import briefings" page, where
writers and editors upload `.md` and `.txt` files or `.zip` archives of them. The files
go to the importer of `manage.py import_briefings` (briefings.importing), on the
uploader's behalf: their name goes into the history, and unless they may publish, every
briefing arrives as a draft (see `briefings_import`). The report is the command's, kept
in the session for the page the upload redirects to.

Limits (briefings.importing.uploads) are checked as the upload arrives, before it is
stored: an upload over them is refused whole, as is a zip that cannot be trusted.
"""

from django import forms
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from briefings.importing import briefings_import
from briefings.importing.uploads import (
    MAX_FILE_BYTES,
    MAX_UNPACKED_BYTES,
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_FILES,
    UPLOAD_SUFFIXES,
    UploadLimitHandler,
    UploadRefused,
    megabytes,
    upload_files,
)
from briefings.models import Briefing
from briefings.workflow import can_publish

IMPORT_URL = "admin:briefings_briefing_import"
REPORT_URL = "admin:briefings_briefing_import_report"
# The last report, for the page the upload redirects to (a list of plain values).
REPORT_SESSION_KEY = "briefings_import_report"
IMPORTED = {"created", "updated"}
UPDATE_LABEL = "Replace briefings that exist already"
REPLACE_HINT = f"tick “{UPDATE_LABEL}” to replace it"


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Every file chosen in the one input, as a list."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


class BriefingImportForm(forms.Form):
    files = MultipleFileField(
        label="Files",
        required=False,
        help_text=(
            f"Briefing files: .md (front matter and Markdown) or .txt page exports, or a .zip "
            f"of them. Up to {MAX_UPLOAD_FILES} files and {megabytes(MAX_UPLOAD_BYTES)} at a "
            f"time, {megabytes(MAX_FILE_BYTES)} a briefing file; the zips may unpack to "
            f"{megabytes(MAX_UNPACKED_BYTES)}."
        ),
        widget=MultipleFileInput(attrs={"accept": ",".join(UPLOAD_SUFFIXES)}),
    )
    update = forms.BooleanField(
        label=UPDATE_LABEL,
        required=False,
        help_text=(
            "A file whose briefing exists (the same slug) replaces it: every field the file "
            "leaves out is emptied, and its sections and sources become the file's. "
            "Otherwise such files are skipped."
        ),
    )

    def __init__(self, *args, refusal: str = "", may_update: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.refusal = refusal
        if not may_update:
            del self.fields["update"]

    def clean_files(self):
        if self.refusal:
            raise ValidationError(self.refusal)
        files = self.cleaned_data["files"]
        if not files:
            raise ValidationError("Choose one or more files to import.")
        try:
            self.cleaned_data["items"] = upload_files(files)
        except UploadRefused as refused:
            raise ValidationError(refused.problems) from None
        return files


def import_view(model_admin):
    """The upload page; wrap it in `admin_site.admin_view` (which leaves CSRF to it)."""

    @csrf_exempt  # checked by `_import_page`, once the upload limits are in place
    def view(request):
        # Before anything reads the request body, so nobody else's upload is stored.
        if not model_admin.has_add_permission(request):
            raise PermissionDenied
        handler = UploadLimitHandler(request)
        request.upload_handlers.insert(0, handler)
        return _import_page(request, model_admin, handler)

    return view


@csrf_protect
def _import_page(request, model_admin, handler):
    may_update = model_admin.has_change_permission(request)
    if request.method == "POST":
        form = BriefingImportForm(
            request.POST, request.FILES, refusal=handler.refusal, may_update=may_update
        )
        if form.is_valid():
            report = briefings_import(
                files=form.cleaned_data["items"],
                update=form.cleaned_data.get("update", False),
                by=request.user,
                replace_hint=REPLACE_HINT,
            )
            request.session[REPORT_SESSION_KEY] = report_for_session(report)
            return HttpResponseRedirect(reverse(REPORT_URL))
    else:
        form = BriefingImportForm(may_update=may_update)
    context = page_context(
        model_admin,
        request,
        "Import briefings",
        form=form,
        adminform=helpers.AdminForm(form, [(None, {"fields": list(form.fields)})], {}),
        may_publish=can_publish(request.user),
    )
    return TemplateResponse(request, "admin/briefings/briefing/import.html", context)


def report_view(model_admin):
    """The last import's report; wrap it in `admin_site.admin_view`."""

    def view(request):
        if not model_admin.has_add_permission(request):
            raise PermissionDenied
        report = request.session.get(REPORT_SESSION_KEY)
        if report is None:
            return HttpResponseRedirect(reverse(IMPORT_URL))
        context = page_context(
            model_admin, request, "Import report", **{**report, "lines": report_lines(report)}
        )
        return TemplateResponse(request, "admin/briefings/briefing/import_report.html", context)

    return view


def report_for_session(report) -> dict:
    """The report as plain values: the command's lines, the counts and the new terms."""
    return {
        "lines": [
            {"outcome": line.outcome, "text": line.text, "notes": list(line.notes), "slug": slug}
            for line, slug in zip(report.lines(), (r.slug for r in report.results), strict=True)
        ],
        "counts": [
            (outcome, len(report.by_outcome(outcome)))
            for outcome in ("created", "updated", "skipped", "failed")
        ],
        "summary": report.summary(),
        "created_taxonomy": report.created_taxonomy,
    }


def report_lines(report: dict) -> list[dict]:
    """The report's lines, each imported one with the address of its briefing in admin."""
    imported = {line["slug"] for line in report["lines"] if line["outcome"] in IMPORTED}
    ids = dict(Briefing.objects.filter(slug__in=imported).values_list("slug", "pk"))
    return [
        {
            **line,
            "url": reverse("admin:briefings_briefing_change", args=[ids[line["slug"]]])
            if line["outcome"] in IMPORTED and line["slug"] in ids
            else "",
        }
        for line in report["lines"]
    ]


def page_context(model_admin, request, title, **extra) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": title,
        "import_url": reverse(IMPORT_URL),
        **extra,
    }
