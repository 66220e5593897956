import copy
from urllib.parse import urlencode

from django import forms

from briefings.caching import cached
from briefings.models import Briefing, Category, Region, Topic

TAXONOMIES = {"category": Category, "region": Region, "topic": Topic}
QUERY_MAX_LENGTH = 200

# Each facets form class's fields with their choices filled in, by the taxonomy choices
# they were filled from: one set per class in this process. Filling them for every form
# (Django deep-copies each field with its choices, then each list of choices is
# normalised again) was a large part of a search's own time (docs/performance.md). New
# choices (a term added, renamed or removed) fill a new set.
_filled_fields: dict[type, tuple[tuple, dict]] = {}


def taxonomy_choices() -> dict[str, list[tuple[str, str]]]:
    """(slug, name) of every term of each taxonomy, kept in the cache until the content changes."""
    return cached(
        "taxonomy-choices",
        lambda: {
            name: list(model.objects.values_list("slug", "name"))
            for name, model in TAXONOMIES.items()
        },
    )


class BriefingFacetsForm(forms.Form):
    """
    The facets a reader narrows briefings by: type, taxonomy, impact and a confidence
    range. The list and search share them under the same names, so a link carries over
    between them. Invalid values are reported on the page and ignored, never raised: a
    hand-edited or stale link still gives a clean list.

    Category, region and topic are chosen by slug from choices loaded from the cache,
    never looked up with what the reader typed: odd input is a form error, not a query.
    """

    # How each form words "no choice" and names the type facet.
    any_kind = "All types"
    any_impact = "Any"
    kind_label = "Type"

    kind = forms.ChoiceField(required=False)
    category = forms.ChoiceField(required=False)
    region = forms.ChoiceField(required=False)
    topic = forms.ChoiceField(required=False)
    impact = forms.ChoiceField(required=False, label="Impact")
    confidence_min = forms.IntegerField(
        required=False, min_value=0, max_value=100, label="Confidence from (%)"
    )
    confidence_max = forms.IntegerField(required=False, min_value=0, max_value=100, label="to (%)")

    facet_names = ("kind", *TAXONOMIES, "impact", "confidence_min", "confidence_max")

    def __init__(self, *args, **kwargs):
        choices = taxonomy_choices()
        filled_from = tuple((name, tuple(map(tuple, choices[name]))) for name in TAXONOMIES)
        kept = _filled_fields.get(type(self))
        fresh = kept is None or kept[0] != filled_from
        if not fresh:
            # Django deep-copies `base_fields` into each form: this one copies the kept
            # filled fields instead, below.
            self.base_fields = {}
        super().__init__(*args, **kwargs)
        if fresh:
            self.fill_choices(choices)
            kept = _filled_fields[type(self)] = (filled_from, self.fields)
        # Each form has its own field objects, as Django's do; their widgets and choices,
        # which no form changes, are shared.
        self.fields = {name: copy.copy(field) for name, field in kept[1].items()}

    def fill_choices(self, choices: dict[str, list[tuple[str, str]]]) -> None:
        """The choices and labels of the facets, from the taxonomies' `choices`."""
        self.fields["kind"].choices = [("", self.any_kind), *Briefing.Kind.choices]
        self.fields["kind"].label = self.kind_label
        self.fields["impact"].choices = [("", self.any_impact), *Briefing.Impact.choices]
        for name, model in TAXONOMIES.items():
            label = model._meta.verbose_name
            self.fields[name].choices = [("", self.any_term(label)), *choices[name]]
            self.fields[name].label = label.capitalize()

    def any_term(self, label: str) -> str:
        return "All"

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
        """Apply every facet that validated; ignore the rest."""
        self.is_valid()
        lookups = {
            "kind": "kind",
            **{name: f"{name}__slug" for name in TAXONOMIES},
            "impact": "impact",
            "confidence_min": "confidence__gte",
            "confidence_max": "confidence__lte",
        }
        for name, value in self.facets().items():
            queryset = queryset.filter(**{lookups[name]: value})
        return queryset


class BriefingFilterForm(BriefingFacetsForm):
    """The briefing list's query string."""

    @property
    def active_filters(self) -> bool:
        return any(self.data.get(name) for name in self.fields)

    def active_filter_count(self) -> int:
        """How many filters are set, for the folded filters' summary on a phone."""
        return sum(1 for name in self.fields if self.data.get(name))

    def query_without_page(self) -> str:
        """The current filters as a query string, for pagination links."""
        query = {name: self.data.get(name) for name in self.fields if self.data.get(name)}
        return urlencode(query)


class SearchForm(BriefingFacetsForm):
    """The search box and the list's facets."""

    any_kind = "Any type"
    any_impact = "Any impact"
    kind_label = "Kind"
    field_order = ["q"]

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

    def any_term(self, label: str) -> str:
        return f"Any {label}"

    def facet_fields(self):
        return [self[name] for name in self.facet_names]
