from django.views.generic import TemplateView

from members.models import Tier


class MembershipOverviewView(TemplateView):
    """The tiers and what each unlocks."""

    template_name = "members/overview.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(tiers=Tier.objects.all(), **kwargs)
