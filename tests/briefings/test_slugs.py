"""The one slug rule: made from the text, never empty, and the first free one when taken."""

import re

import pytest

from briefings.models import Briefing, Category
from briefings.slugs import free_slug, free_slugs, numbered, random_fallback, slug_base, slug_from
from tests.factories import BriefingFactory


def test_slug_base_slugifies_and_cuts_without_a_trailing_dash():
    assert slug_base("Cranes: the terminal", max_length=100) == "cranes-the-terminal"
    assert slug_base("Harbour cranes", max_length=8) == "harbour"
    assert slug_base("港湾クレーン", max_length=100) == ""


def test_text_without_latin_letters_gets_the_fallback_word_and_a_random_suffix():
    first, second = random_fallback("Briefing"), random_fallback("Briefing")
    assert re.fullmatch(r"briefing-[0-9a-f]{8}", first)
    assert first != second
    assert slug_from("港湾クレーン", max_length=200, fallback="briefing").startswith("briefing-")
    assert slug_from("Harbour", max_length=200, fallback="briefing") == "harbour"


def test_numbered_candidates_stay_within_the_field():
    assert numbered("harbour", 1, max_length=10) == "harbour"
    assert numbered("harbour", 2, max_length=10) == "harbour-2"
    assert numbered("harbour-cranes", 12, max_length=10) == "harbour-12"
    assert numbered("harbour-cr", 3, max_length=10) == "harbour-3"


@pytest.mark.django_db
def test_free_slug_is_the_base_or_the_first_free_number(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert free_slug(Briefing.objects.all(), "harbour", max_length=200) == "harbour"
    BriefingFactory(slug="harbour")
    BriefingFactory(slug="harbour-2")
    BriefingFactory(slug="harbour-cranes")
    with django_assert_num_queries(1):
        assert free_slug(Briefing.objects.all(), "harbour", max_length=200) == "harbour-3"


@pytest.mark.django_db
def test_free_slug_ignores_the_row_the_caller_excludes():
    briefing = BriefingFactory(slug="harbour")
    others = Briefing.objects.exclude(pk=briefing.pk)
    assert free_slug(others, "harbour", max_length=200) == "harbour"


@pytest.mark.django_db
def test_free_slug_cuts_a_long_base_to_fit_its_number():
    BriefingFactory(slug="a" * 10)
    assert free_slug(Briefing.objects.all(), "a" * 10, max_length=10) == "a" * 8 + "-2"


@pytest.mark.django_db
def test_free_slugs_are_distinct_from_each_other_and_from_stored_rows():
    Category.objects.create(name="Ports", slug="ports")
    slugs = free_slugs(
        Category.objects.all(), ["ports", "ports", "cranes", "ports-2"], max_length=140
    )
    assert slugs == ["ports-2", "ports-3", "cranes", "ports-2-2"]


@pytest.mark.django_db
def test_free_slugs_give_what_free_slug_gives_one_after_another():
    Category.objects.create(name="Ports", slug="ports")
    Category.objects.create(name="Ports 3", slug="ports-3")
    bases = ["ports", "ports", "ports"]
    expected = []
    for index, base in enumerate(bases):
        slug = free_slug(Category.objects.all(), base, max_length=140)
        Category.objects.create(name=f"new {index}", slug=slug)
        expected.append(slug)
    Category.objects.filter(slug__in=expected).delete()
    assert free_slugs(Category.objects.all(), bases, max_length=140) == expected


@pytest.mark.django_db
def test_a_briefing_saved_without_a_slug_gets_one_from_its_title():
    briefing = BriefingFactory(title="Harbour cranes automate", slug="")
    assert briefing.slug == "harbour-cranes-automate"
