"""The briefing change list's own filters and the counts they filter on."""

from django.contrib import admin
from django.db.models import Count, Q

from briefings.models import Briefing
from members import access
from members.access import Audience


def section_counts() -> dict:
    """
    Annotations for the change list: sections per audience (`_sections_<value>`), and
    gated sections (`_gated`), which GatedFilter and the audience mix column read.
    """
    return {
        **{
            f"_sections_{audience.value}": Count(
                "sections", filter=Q(sections__audience=audience), distinct=True
            )
            for audience in Audience
        },
        "_gated": Count(
            "sections",
            filter=Q(sections__audience__in=access.gated_audiences()),
            distinct=True,
        ),
    }


class GatedFilter(admin.SimpleListFilter):
    title = "gated sections"
    parameter_name = "gated"

    def lookups(self, request, model_admin):
        return [("yes", "Has gated sections"), ("no", "Public only")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(_gated__gt=0)
        if self.value() == "no":
            return queryset.filter(_gated=0)
        return queryset


class StatusFilter(admin.SimpleListFilter):
    """
    The status as the list's status column says it: a scheduled briefing whose time has
    come is published (the rule of `Briefing.objects.published()`), and a published one
    with a time still to come is scheduled.
    """

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Briefing.Status.choices

    def queryset(self, request, queryset):
        value = self.value()
        if value == Briefing.Status.PUBLISHED:
            return queryset.published()
        if value == Briefing.Status.SCHEDULED:
            return queryset.scheduled()
        if value in Briefing.Status.values:
            return queryset.filter(status=value)
        return queryset
