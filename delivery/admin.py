"""
Delivery in admin: the send ledger (read-only), the suppression list, the editors'
choices, and the briefing admin extended with the e-mail choice, send report and e-mail
previews (delivery/newsroom.py).
"""

from django.contrib import admin

from briefings.models import Briefing
from delivery.models import BriefingSend, Delivery, Suppression
from delivery.newsroom import DeliveryBriefingAdmin

# The newsroom's BriefingAdmin, with what delivery adds (see delivery.newsroom).
admin.site.unregister(Briefing)
admin.site.register(Briefing, DeliveryBriefingAdmin)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the sending pipeline only: staff read them, nobody edits them here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["key", "user", "kind", "reason", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status", "kind", "reason", ("briefing", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["user__email", "key"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    list_display = ["address", "reason", "detail", "created_at"]
    list_filter = ["reason"]
    search_fields = ["address"]
    fields = ["address", "reason", "detail"]

    def get_readonly_fields(self, request, obj=None):
        # An existing row is lifted by deleting it; its address is what it is about.
        return ["address"] if obj is not None else []


@admin.register(BriefingSend)
class BriefingSendAdmin(ReadOnlyAdmin):
    list_display = ["briefing", "recipients", "tier", "chosen_by", "chosen_at", "dispatched_at"]
    list_filter = ["recipients", "tier"]
    list_select_related = ["briefing", "chosen_by"]
    search_fields = ["briefing__title"]
