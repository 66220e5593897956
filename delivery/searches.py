"""
A search saved as an alert: the search page's query string in one normal form, so the
same search saved twice is one alert, and a name a member recognises it by.

The query is read with the search page's own form (`briefings.forms.SearchForm`), so an
alert holds exactly the words and filters the page would apply: a parameter the page does
not read, an empty value, a filter that is not valid and the page number are dropped.
"""

from django.http import QueryDict
from django.utils.http import urlencode
from django.utils.text import Truncator

from briefings.forms import TAXONOMIES, SearchForm, taxonomy_choices

NAME_MAX_LENGTH = 200
QUERY_MAX_LENGTH = 1000


def search_form(params: QueryDict) -> SearchForm:
    form = SearchForm(params)
    form.is_valid()
    return form


def normalised_query(params: QueryDict) -> str:
    """The search's words and valid filters as a query string: sorted, nothing empty."""
    form = search_form(params)
    text = form.cleaned_data.get("q", "") if "q" not in form.errors else ""
    chosen = [("q", text)] if text else []
    # The facets as the reader typed them (slugs, numbers), for those that validated.
    chosen += [(name, str(params.get(name)).strip()) for name in form.facets()]
    return urlencode(sorted(chosen))


def readable_name(query_string: str) -> str:
    """“data centre” · Category: Cloud infrastructure · Impact: High, from a normal query."""
    params = QueryDict(query_string)
    form = search_form(params)
    terms = taxonomy_choices()
    words = []
    if text := params.get("q"):
        words.append(f"“{text}”")
    for name in form.facet_names:
        value = params.get(name)
        if not value:
            continue
        label = form.fields[name].label
        if name == "confidence_min":
            label, value = "Confidence", f"from {value}%"
        elif name == "confidence_max":
            label, value = "Confidence", f"up to {value}%"
        elif name in TAXONOMIES:
            value = dict(terms[name]).get(value, value)
        elif name in ("kind", "impact"):
            value = dict(form.fields[name].choices).get(value, value)
        words.append(f"{label}: {value}")
    return Truncator(" · ".join(words)).chars(NAME_MAX_LENGTH)
