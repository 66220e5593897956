"""
Licences in admin, for membership managers: create and renew licences, verify domains,
see seats used and available, filter those ending soon, download the seat holders as CSV.
Saving and deleting go through `organisations.services`, which keep seat memberships in
step and tell every cache of the readers concerned.
"""

import csv

from django.contrib import admin
from django.http import HttpResponse
from django.utils import timezone

from organisations import selectors, services
from organisations.forms import LicenceForm, VerifiedDomainForm
from organisations.models import ENDING_SOON, Licence, LicenceEvent, Seat, VerifiedDomain


class EndingSoonFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("active", "Active"),
            ("ending-soon", f"Ends within {ENDING_SOON.days} days"),
            ("ended", "Ended"),
            ("upcoming", "Not started yet"),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        match self.value():
            case "active":
                return queryset.filter(starts_at__lte=now, ends_at__gt=now)
            case "ending-soon":
                return queryset.ending_soon(now)
            case "ended":
                return queryset.filter(ends_at__lte=now)
            case "upcoming":
                return queryset.filter(starts_at__gt=now)
        return queryset


class VerifiedDomainInline(admin.TabularInline):
    model = VerifiedDomain
    form = VerifiedDomainForm
    extra = 0
    verbose_name = "verified e-mail domain"


class SeatInline(admin.TabularInline):
    model = Seat
    extra = 0
    can_delete = False
    fields = ["number", "user", "via", "joined_at", "last_seen_at"]
    readonly_fields = fields
    verbose_name_plural = "seat holders"

    def get_queryset(self, request):
        return super().get_queryset(request).held().select_related("user")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LicenceEventInline(admin.TabularInline):
    model = LicenceEvent
    extra = 0
    can_delete = False
    fields = ["at", "actor_email", "action", "subject", "detail"]
    readonly_fields = fields
    verbose_name_plural = "audit log"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Licence)
class LicenceAdmin(admin.ModelAdmin):
    form = LicenceForm
    list_display = [
        "name",
        "tier",
        "seat_count",
        "seats_used",
        "seats_available",
        "starts_at",
        "ends_at",
        "state",
    ]
    list_filter = [EndingSoonFilter, "tier"]
    search_fields = ["name", "domains__domain", "administrators__email"]
    autocomplete_fields = ["administrators"]
    inlines = [VerifiedDomainInline, SeatInline, LicenceEventInline]
    actions = ["download_seat_holders"]

    def get_queryset(self, request):
        return selectors.licences_with_seat_counts(super().get_queryset(request))

    @admin.display(description="seats used", ordering="seats_held")
    def seats_used(self, licence):
        return licence.seats_held

    @admin.display(description="available")
    def seats_available(self, licence):
        return max(licence.seat_count - licence.seats_held, 0)

    @admin.display(description="state")
    def state(self, licence):
        return licence.state_at(timezone.now()).replace("-", " ")

    def save_model(self, request, obj, form, change):
        # Who administered the licence before this save, for the log (save_related).
        request.licence_administrators_before = (
            set(obj.administrators.values_list("pk", flat=True)) if change else set()
        )
        services.licence_save(licence=obj, by=request.user, changed=form.changed_data)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.administrators_changed_record(
            licence=form.instance,
            before=getattr(request, "licence_administrators_before", set()),
            by=request.user,
        )

    def get_deleted_objects(self, objs, request):
        # Seats are protected from a plain delete (their memberships must end first);
        # `licence_delete` ends them, then deletes the seats, invitations and log with it.
        deleted, counts, _, _ = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), []

    def delete_model(self, request, obj):
        services.licence_delete(licence=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for licence in queryset:
            services.licence_delete(licence=licence, by=request.user)

    @admin.action(description="Download seat holders as CSV")
    def download_seat_holders(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="seat-holders.csv"'
        writer = csv.writer(response)
        writer.writerow(["organisation", "seat", "email", "joined", "last visit", "via"])
        seats = (
            Seat.objects.held()
            .filter(licence__in=queryset)
            .select_related("licence", "user")
            .order_by("licence__name", "number")
        )
        for seat in seats:
            writer.writerow(
                [
                    _csv_cell(seat.licence.name),
                    seat.number,
                    _csv_cell(seat.user.email),
                    seat.joined_at.isoformat(),
                    seat.last_seen_at.isoformat() if seat.last_seen_at else "",
                    seat.get_via_display(),
                ]
            )
        return response


def _csv_cell(value: str) -> str:
    """Text a spreadsheet would run as a formula is written as text."""
    return f"'{value}" if value[:1] in {"=", "+", "-", "@"} else value
