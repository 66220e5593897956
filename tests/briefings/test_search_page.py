"""
A page of search results read as plain rows (briefings.search.page): one statement, no
model instance per result, and lines that say exactly what the template wrote from the
briefings as the cards read them, for every mix of image, category and gated parts.
"""

import itertools
from unittest import mock

import pytest
from django.db import connection
from django.template import engines

from briefings import search
from briefings.images.models import Image
from briefings.models import Briefing
from briefings.search import briefings_reindex
from briefings.search.results import result_items
from members import access
from members.access import TIERS, Audience
from tests.briefings.test_search_results import TEMPLATE_LINES, squeezed
from tests.factories import BriefingFactory, CitationFactory, SectionFactory, library_image

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search"),
]

# A word in each kind of gated part, and the audience that may read it.
GATED_WORDS = {
    "quincecircle": Audience.STRATEGIC_CIRCLE,
    "quincealliance": Audience.LEADERSHIP_ALLIANCE,
    "quincenote": access.SOURCE_NOTE_AUDIENCE,
}


def build_every_kind_of_result() -> list[Briefing]:
    """A harbour briefing for each mix of image, category, gated sections and source notes."""
    image = library_image(title="Lead", alt_text='Cranes & "quotes" <at> dusk')
    bare = library_image(title="Bare", alt_text="No renditions")
    Image.objects.filter(pk=bare.pk).update(renditions=[])
    made = []
    mixes = itertools.product(
        [image, bare, None],
        [True, False],
        [(), (Audience.STRATEGIC_CIRCLE,), (Audience.LEADERSHIP_ALLIANCE,), TIERS],
        [True, False],
    )
    for n, (lead, with_category, tiers, notes) in enumerate(mixes):
        extra = {} if with_category else {"category": None}
        briefing = BriefingFactory(
            title=f"Harbour <b>{n}</b> & co", summary=f"Harbour & summary {n}.", lead_image=lead,
            kind=Briefing.Kind.SIGNAL_BRIEF if n % 2 else Briefing.Kind.ARTICLE, **extra,
        )  # fmt: skip
        SectionFactory(briefing=briefing, body=f"Public harbour text {n}.")
        for tier in tiers:
            word = next(word for word, audience in GATED_WORDS.items() if audience == tier)
            SectionFactory(briefing=briefing, body=f"Harbour {word}.", audience=tier)
        CitationFactory(briefing=briefing, note="Harbour quincenote." if notes else "")
        made.append(briefing)
    briefings_reindex()
    return made


@pytest.mark.parametrize("audience", list(Audience), ids=lambda a: a.slug)
def test_each_result_line_is_the_templates_line_for_the_briefing_as_cards_read_it(audience):
    made = build_every_kind_of_result()
    queryset = Briefing.objects.published().for_search_results()
    matches = search.briefings_matching(queryset, text="harbour", audience=audience)
    assert len(matches) == len(made)
    found = matches[0 : len(made)]
    assert [result.pk for result in found] == matches.ranked
    # The same briefings read as model instances, with the cards' gated-part annotations.
    by_id = {briefing.pk: briefing for briefing in queryset}
    for result in found:
        briefing = by_id[result.pk]
        briefing.snippet = result.snippet
        assert result.gated_audiences() == briefing.gated_audiences()
        assert result.snippet, "every result matched a public word"
        for query in ("harbour", '<x> & "y"'):
            expected = (
                engines["django"]
                .from_string(TEMPLATE_LINES)
                .render({"briefings": [briefing], "query": query})
            )
            assert squeezed(result_items([result], query)) == squeezed(expected)
    lines = result_items(found, "harbour")
    for word, required in GATED_WORDS.items():
        if not access.can_read(audience, required):
            assert word not in lines, "gated text is never quoted, only its audiences named"
    for marker in ("<!--access:1-->", "<!--access:2-->", "<!--access:1.2-->"):
        assert marker in lines


def test_a_page_of_results_is_one_statement_and_builds_no_briefing(django_assert_num_queries):
    build_every_kind_of_result()
    queryset = Briefing.objects.published().for_search_results()
    matches = search.briefings_matching(queryset, text="harbour", audience=Audience.PUBLIC)
    with (
        mock.patch.object(Briefing, "from_db", side_effect=AssertionError("a Briefing built")),
        django_assert_num_queries(1),
    ):
        page = matches[0:20]
    assert len(page) == 20


@pytest.mark.parametrize("narrowed", [False, True], ids=["everything", "filtered"])
def test_a_page_shows_only_live_briefings_its_filters_leave(narrowed):
    made = build_every_kind_of_result()
    queryset = Briefing.objects.published()
    if narrowed:
        queryset = queryset.filter(kind=Briefing.Kind.ARTICLE)
    matches = search.briefings_matching(
        queryset, text="harbour", audience=Audience.PUBLIC, narrowed=narrowed
    )
    # Withdrawn after ranking, before the page is read (its document not yet reindexed).
    withdrawn = made[0]
    Briefing.objects.filter(pk=withdrawn.pk).update(status=Briefing.Status.DRAFT)
    shown = [result.pk for result in matches[0:100]]
    assert shown == [pk for pk in matches.ranked if pk != withdrawn.pk]
    assert set(shown) == {
        briefing.pk
        for briefing in made[1:]
        if not narrowed or briefing.kind == Briefing.Kind.ARTICLE
    }
