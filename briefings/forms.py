from django import forms
from django.db.models import Q

from briefings.models import Briefing, Category, Region, Topic

QUERY_MAX_LENGTH = 200

# Confidence bands, named as the classification panel names them (Briefing.confidence_label).
CONFIDENCE_BANDS = {
    "high": ("High confidence (75% and over)", Q(confidence__gte=75)),
    "moderate": ("Moderate confidence (50 to 74%)", Q(confidence__gte=50, confidence__lt=75)),
    "low": ("Low confidence (under 50%)", Q(confidence__lt=50)),
}


def _any(label):
    return [("", label)]


class SearchForm(forms.Form):
    """
    The search box and the list's facets. Facet values are checked against choices loaded
    once (one query per taxonomy), never looked up with what the reader typed, so odd input
    is a form error and never a database error.
    """

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
    confidence = forms.ChoiceField(
        required=False,
        choices=_any("Any confidence")
        + [(key, label) for key, (label, _) in CONFIDENCE_BANDS.items()],
    )

    taxonomies = {"category": Category, "region": Region, "topic": Topic}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, model in self.taxonomies.items():
            label = model._meta.verbose_name
            self.fields[name].choices = _any(f"Any {label}") + list(
                model.objects.values_list("slug", "name")
            )
            self.fields[name].label = label.capitalize()

    @property
    def facet_names(self):
        return ["kind", *self.taxonomies, "impact", "confidence"]

    def facet_fields(self):
        return [self[name] for name in self.facet_names]

    def facets(self) -> dict:
        """The valid facet values chosen, by name (call after is_valid)."""
        data = getattr(self, "cleaned_data", {})
        return {name: data[name] for name in self.facet_names if data.get(name)}

    def filter(self, queryset):
        facets = self.facets()
        if "kind" in facets:
            queryset = queryset.filter(kind=facets["kind"])
        for name in self.taxonomies:
            if name in facets:
                queryset = queryset.filter(**{f"{name}__slug": facets[name]})
        if "impact" in facets:
            queryset = queryset.filter(impact=facets["impact"])
        if "confidence" in facets:
            queryset = queryset.filter(CONFIDENCE_BANDS[facets["confidence"]][1])
        return queryset
