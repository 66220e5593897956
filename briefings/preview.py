"""
Staff preview: a briefing in any status, rendered by the reader's own page view as a
reader in the chosen audience would see it. Reached only through BriefingAdmin's
preview URL, which checks the preview permission before this view runs.
"""

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
                    "url": reverse(
                        "admin:briefings_briefing_preview", args=[briefing.pk, audience.slug]
                    ),
                    "current": audience == self.preview_as,
                }
                for audience in Audience
            ],
            "preview_edit_url": reverse("admin:briefings_briefing_change", args=[briefing.pk]),
            "preview_is_live": briefing.is_live(),
        }
