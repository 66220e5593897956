"""
Staff preview: a briefing in any status, rendered by the reader's own page view as a
reader in the chosen audience would see it. Reached only through BriefingAdmin's
preview URL (preview_view below), which checks the preview permission before this view
runs.
"""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from briefings import workflow
from briefings.models import Briefing
from briefings.reading import reader_briefing_queryset
from briefings.views import BriefingDetailView
from members import access
from members.access import Audience, ReaderStatus


@method_decorator(never_cache, name="dispatch")
class BriefingPreviewView(BriefingDetailView):
    template_name = "briefings/preview.html"
    # A draft for one editor, rendered afresh every time: never kept as a reader's page.
    keeps_signed_in_page = False

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        try:
            Audience.from_slug(kwargs["audience"])
        except ValueError:
            raise Http404("No such audience.") from None
        self.preview_as = access.preview_audience(
            kwargs["audience"],
            may_preview=workflow.can_preview(request.user),
            default=request.audience,
        )
        # Everything the page asks about its reader now answers for the previewed audience
        # (sections, source notes, lock cards and their calls to action), so the preview
        # is the reader's page and not an imitation of it.
        request.audience = self.preview_as
        request.reader = ReaderStatus(
            audience=self.preview_as,
            is_authenticated=access.is_member_audience(self.preview_as),
        )

    def get_queryset(self):
        # Any status: drafts and scheduled briefings are what previews are for. Otherwise
        # the reader's own query, for the previewed audience.
        return reader_briefing_queryset(self.preview_as, queryset=Briefing.objects.all())

    def parts_key(self) -> str:
        return ""  # drafts change under the editor's hands: always rendered afresh

    def page_context(self, parts) -> dict:
        briefing = self.object
        return super().page_context(parts) | {
            "briefing": briefing,
            "preview_as": self.preview_as,
            "preview_reader": (
                f"a {self.preview_as.label} member"
                if access.is_member_audience(self.preview_as)
                else "an anonymous reader"
            ),
            "preview_links": [
                {
                    "label": audience.label if access.is_member_audience(audience) else "Anonymous",
                    "url": preview_url(briefing, audience),
                    "current": audience == self.preview_as,
                }
                for audience in Audience
            ],
            "preview_edit_url": reverse("admin:briefings_briefing_change", args=[briefing.pk]),
            "preview_is_live": briefing.is_live(),
        }


def preview_url(briefing, audience) -> str:
    return reverse("admin:briefings_briefing_preview", args=[briefing.pk, audience.slug])


def preview_links(user, briefing) -> list[tuple[str, str]]:
    """The change form's preview links (label, URL), one per audience, for those allowed."""
    if briefing is None or not workflow.can_preview(user):
        return []
    return [
        (
            audience.label if access.is_member_audience(audience) else "Anonymous reader",
            preview_url(briefing, audience),
        )
        for audience in Audience
    ]


def preview_view(model_admin, request, object_id, audience, *, view_class=BriefingPreviewView):
    """
    The briefing as a reader in `audience` would see it, for any status. Anonymous
    visitors are sent to sign in; anyone signed in without the preview permission gets
    403 (the URL names an id under /admin/, so saying "not yours" reveals nothing a
    404 would hide, and it tells a colleague which permission they lack). Staff then
    pass the admin site's own checks.
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    if not workflow.can_preview(request.user):
        raise PermissionDenied
    view = model_admin.admin_site.admin_view(view_class.as_view())
    return view(request, pk=object_id, audience=audience)
