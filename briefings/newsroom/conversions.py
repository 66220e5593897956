"""
Lock card conversions in admin: which briefing's card, for which tier, led to how many
sign-ups and applications (briefings.conversions). Read-only: the rows are records.
"""

from django.contrib import admin
from django.db.models import Count, Q

from briefings.conversions import LockCardConversion

# The summary's rows: the briefings and cards with the most conversions first.
SUMMARY_ROWS = 50


@admin.register(LockCardConversion)
class LockCardConversionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "card_tier", "briefing", "page"]
    list_filter = ["kind", "card_tier", "created_at"]
    list_select_related = ["briefing"]
    search_fields = ["briefing__title", "page"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def summary(self, queryset) -> dict:
        """Counts per briefing and card tier, and per tier, of what the list shows."""
        counts = {
            "signups": Count("pk", filter=Q(kind=LockCardConversion.Kind.SIGNUP)),
            "applications": Count("pk", filter=Q(kind=LockCardConversion.Kind.APPLICATION)),
            "total": Count("pk"),
        }
        tier_names = dict(LockCardConversion._meta.get_field("card_tier").choices)
        by_card = [
            {**row, "tier_name": tier_names.get(row["card_tier"], row["card_tier"])}
            for row in queryset.order_by()
            .values("briefing_id", "briefing__title", "card_tier")
            .annotate(**counts)
            .order_by("-total", "briefing__title", "card_tier")[:SUMMARY_ROWS]
        ]
        by_tier = [
            {**row, "tier_name": tier_names.get(row["card_tier"], row["card_tier"])}
            for row in queryset.order_by()
            .values("card_tier")
            .annotate(**counts)
            .order_by("card_tier")
        ]
        return {"by_card": by_card, "by_tier": by_tier}

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context=extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            response.context_data["conversion_summary"] = self.summary(changelist.queryset)
        return response
