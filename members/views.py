from django.http import Http404
from django.views.generic import DetailView, TemplateView

from members.access import Audience
from members.models import Tier


class MembershipOverviewView(TemplateView):
    """The tiers and what each unlocks."""

    template_name = "members/overview.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(tiers=Tier.objects.all(), **kwargs)


class TierView(DetailView):
    """One tier's page: what it unlocks and how to join it."""

    template_name = "members/tier.html"
    context_object_name = "tier"

    def get_object(self, queryset=None):
        try:
            audience = Audience.from_slug(self.kwargs["slug"])
        except ValueError:
            raise Http404("No such tier.") from None
        try:
            return Tier.objects.get(audience=audience)
        except Tier.DoesNotExist:
            raise Http404("No such tier.") from None
