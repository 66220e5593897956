from urllib.parse import urlencode

from django import forms

from briefings.caching import cached
from briefings.models import Briefing, Category, Region, Topic

TAXONOMIES = {"category": Category, "region": Region, "topic": Topic}


def taxonomy_choices() -> dict[str, list[tuple[str, str]]]:
    """(slug, name) of every term of each taxonomy, kept in the cache until the content changes."""
    return cached(
        "taxonomy-choices",
        lambda: {
            name: list(model.objects.values_list("slug", "name"))
            for name, model in TAXONOMIES.items()
        },
    )


class TaxonomyChoicesMixin:
    """
    Category, region and topic are chosen by slug from choices loaded from the cache,
    never looked up with what the reader typed: odd input is a form error, not a query.
    """

    def _load_taxonomy_choices(self, empty_label):
        choices = taxonomy_choices()
        for name, model in TAXONOMIES.items():
            label = model._meta.verbose_name
            self.fields[name].choices = [("", empty_label(label)), *choices[name]]
            self.fields[name].label = label.capitalize()

    def _filter_taxonomy(self, queryset, values):
        for name in TAXONOMIES:
            if values.get(name) not in (None, ""):
                queryset = queryset.filter(**{f"{name}__slug": values[name]})
        return queryset


class BriefingFilterForm(TaxonomyChoicesMixin, forms.Form):
    """
    The briefing list's query string. Invalid values are reported on the page and
    ignored, never raised: a hand-edited or stale link still gives a clean list.
    """

    kind = forms.ChoiceField(
        choices=[("", "All types"), *Briefing.Kind.choices], required=False, label="Type"
    )
    category = forms.ChoiceField(required=False)
    region = forms.ChoiceField(required=False)
    topic = forms.ChoiceField(required=False)
    impact = forms.ChoiceField(
        choices=[("", "Any"), *Briefing.Impact.choices], required=False, label="Impact"
    )
    confidence_min = forms.IntegerField(
        min_value=0, max_value=100, required=False, label="Confidence from (%)"
    )
    confidence_max = forms.IntegerField(min_value=0, max_value=100, required=False, label="to (%)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._load_taxonomy_choices(lambda label: "All")

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
        queryset = self._filter_taxonomy(queryset, data)
        lookups = {
            "kind": "kind",
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


QUERY_MAX_LENGTH = 200


def _any(label):
    return [("", label)]


class SearchForm(TaxonomyChoicesMixin, forms.Form):
    """The search box and the list's facets."""

    q = forms.CharField(
        label="Search briefings",
        required=False,
        max_length=QUERY_MAX_LENGTH,
        strip=True,
        error_messages={
            "max_length": (
                f"Search for at most {QUERY_MAX_LENGTH} characters (this search had "
                "%(show_value)d). Try the few words that matter most."
            ),
        },
    )
    kind = forms.ChoiceField(required=False, choices=_any("Any type") + Briefing.Kind.choices)
    category = forms.ChoiceField(required=False)
    region = forms.ChoiceField(required=False)
    topic = forms.ChoiceField(required=False)
    impact = forms.ChoiceField(required=False, choices=_any("Any impact") + Briefing.Impact.choices)
    # The same names as the briefing list's filters, so a link carries over between them.
    confidence_min = forms.IntegerField(
        required=False, min_value=0, max_value=100, label="Confidence from (%)"
    )
    confidence_max = forms.IntegerField(required=False, min_value=0, max_value=100, label="to (%)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._load_taxonomy_choices(lambda label: f"Any {label}")

    @property
    def facet_names(self):
        return ["kind", *TAXONOMIES, "impact", "confidence_min", "confidence_max"]

    def facet_fields(self):
        return [self[name] for name in self.facet_names]

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("confidence_min"), cleaned.get("confidence_max")
        if low is not None and high is not None and low > high:
            # An inverted range has no clear meaning: both bounds are ignored.
            self.add_error("confidence_min", "Must not be above the upper bound.")
            self.add_error("confidence_max", "Must not be below the lower bound.")
        return cleaned

    def facets(self) -> dict:
        """The valid facet values chosen, by name (call after is_valid)."""
        data = getattr(self, "cleaned_data", {})
        return {
            name: data[name]
            for name in self.facet_names
            if data.get(name) not in (None, "") and name not in self.errors
        }

    def filter(self, queryset):
        facets = self.facets()
        if "kind" in facets:
            queryset = queryset.filter(kind=facets["kind"])
        queryset = self._filter_taxonomy(queryset, facets)
        if "impact" in facets:
            queryset = queryset.filter(impact=facets["impact"])
        if "confidence_min" in facets:
            queryset = queryset.filter(confidence__gte=facets["confidence_min"])
        if "confidence_max" in facets:
            queryset = queryset.filter(confidence__lte=facets["confidence_max"])
        return queryset
