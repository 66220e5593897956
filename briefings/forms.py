from urllib.parse import urlencode

from django import forms

from briefings.models import Briefing, Category, Region, Topic


class BriefingFilterForm(forms.Form):
    """
    The briefing list's query string. Invalid values are reported on the page and
    ignored, never raised: a hand-edited or stale link still gives a clean list.
    """

    kind = forms.ChoiceField(
        choices=[("", "All types"), *Briefing.Kind.choices], required=False, label="Type"
    )
    category = forms.ModelChoiceField(
        Category.objects.all(), to_field_name="slug", required=False, empty_label="All"
    )
    region = forms.ModelChoiceField(
        Region.objects.all(), to_field_name="slug", required=False, empty_label="All"
    )
    topic = forms.ModelChoiceField(
        Topic.objects.all(), to_field_name="slug", required=False, empty_label="All"
    )
    impact = forms.ChoiceField(
        choices=[("", "Any"), *Briefing.Impact.choices], required=False, label="Impact"
    )
    confidence_min = forms.IntegerField(
        min_value=0, max_value=100, required=False, label="Confidence from (%)"
    )
    confidence_max = forms.IntegerField(min_value=0, max_value=100, required=False, label="to (%)")

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("confidence_min"), cleaned.get("confidence_max")
        if low is not None and high is not None and low > high:
            # An inverted range has no clear meaning: both bounds are ignored.
            self.add_error("confidence_min", "Must not be above the upper bound.")
            self.add_error("confidence_max", "Must not be below the lower bound.")
        return cleaned

    def filter(self, queryset):
        """Apply every filter that validated; ignore the rest."""
        self.is_valid()
        data = {
            name: value
            for name, value in getattr(self, "cleaned_data", {}).items()
            if name not in self.errors
        }
        lookups = {
            "kind": "kind",
            "category": "category",
            "region": "region",
            "topic": "topic",
            "impact": "impact",
            "confidence_min": "confidence__gte",
            "confidence_max": "confidence__lte",
        }
        for name, lookup in lookups.items():
            value = data.get(name)
            if value not in (None, ""):
                queryset = queryset.filter(**{lookup: value})
        return queryset

    @property
    def active_filters(self) -> bool:
        return any(self.data.get(name) for name in self.fields)

    def query_without_page(self) -> str:
        """The current filters as a query string, for pagination links."""
        query = {name: self.data.get(name) for name in self.fields if self.data.get(name)}
        return urlencode(query)
