"""
The facets forms fill their choices once per set of taxonomy terms, in this process
(briefings.forms): each form still has its own fields, and a term added, renamed or
removed is in the next form's choices.
"""

from unittest import mock

import pytest
from django.http import QueryDict

from briefings.forms import BriefingFilterForm, SearchForm
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def category_choices(form) -> list:
    return list(form.fields["category"].choices)


def test_choices_are_filled_once_for_the_same_terms():
    CategoryFactory(name="Energy", slug="energy")
    SearchForm()
    with mock.patch.object(SearchForm, "fill_choices") as fill:
        form = SearchForm(QueryDict("category=energy"))
        assert form.is_valid()
    fill.assert_not_called()
    assert ("energy", "Energy") in category_choices(form)
    assert form.facets() == {"category": "energy"}


def test_new_renamed_and_removed_terms_are_in_the_next_form():
    energy = CategoryFactory(name="Energy", slug="energy")
    assert not SearchForm(QueryDict("category=shipping")).is_valid()

    CategoryFactory(name="Shipping", slug="shipping")
    form = SearchForm(QueryDict("category=shipping"))
    assert form.is_valid()
    assert ("shipping", "Shipping") in category_choices(form)

    energy.name = "Power"
    energy.save()
    assert ("energy", "Power") in category_choices(SearchForm())

    energy.delete()
    form = SearchForm(QueryDict("category=energy"))
    assert not form.is_valid()
    assert "category" in form.errors
    assert "energy" not in dict(category_choices(form))


def test_each_form_has_its_own_fields():
    first, second = SearchForm(), SearchForm()
    assert first.fields["category"] is not second.fields["category"]
    first.fields["q"].label = "Changed for one form"
    first.fields["category"].required = True
    assert second.fields["q"].label == "Search briefings"
    assert not second.fields["category"].required
    assert SearchForm().fields["q"].label == "Search briefings"


def test_each_form_class_keeps_its_own_wording():
    CategoryFactory(name="Energy", slug="energy")
    for _ in range(2):  # filled, then kept
        search, listing = SearchForm(), BriefingFilterForm()
        assert category_choices(search)[0] == ("", "Any category")
        assert category_choices(listing)[0] == ("", "All")
        assert search.fields["kind"].label == "Kind"
        assert listing.fields["kind"].label == "Type"
        assert next(iter(search.fields)) == "q"
        assert "q" not in listing.fields
