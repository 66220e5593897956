"""
What a search finds and shows, held against plain references: the ranked matches against
the statement that defines them (every query form, every audience, capped or not), and
the result lines written in Python against the template they replaced.
"""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.template import engines
from django.utils import timezone
from django.utils.text import Truncator

from briefings import search
from briefings.models import Briefing
from briefings.search import briefings_reindex
from briefings.search.results import SUMMARY_WORDS, _words, result_items, results_summary
from members.access import Audience, search_document_audience
from tests.factories import (
    BriefingFactory,
    CitationFactory,
    SectionFactory,
    library_image,
)

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL full-text search"
)

# Every form the search box takes: words, phrases, OR, -word, -"phrase", stop words alone,
# cases, a word only a member's part holds, non-Latin text and input that parses to nothing.
QUERIES = [
    "harbour",
    "Harbour CRANES",
    "cranes storage",
    '"export control"',
    '"export control" chips',
    '"control export"',
    "harbour -cranes",
    'rules -"export control"',
    "-harbour",
    "cranes OR warehousing",
    '"export control" OR storage',
    "harbour OR -cranes",
    "the of and",
    "marzipan",
    "marzipan -harbour",
    "東京",
    "&&!!(())::**",
    '"unclosed',
    "-",
    "OR",
]

# The definition of a search's matches, written plainly: the newest `limit` live documents
# of the audience that match, ranked, then newest first among equals.
REFERENCE_SQL = """
SELECT c.briefing_id FROM (
    SELECT d.briefing_id, d.published_at, d.vector FROM briefings_searchdocument d
    WHERE d.audience = %(audience)s AND d.published_at <= now()
      AND d.vector @@ websearch_to_tsquery('english', %(text)s)
    ORDER BY d.published_at DESC, d.briefing_id DESC LIMIT %(limit)s
) c
ORDER BY ts_rank(c.vector, websearch_to_tsquery('english', %(text)s), 1) DESC,
         c.published_at DESC, c.briefing_id DESC
"""


def reference(text, audience, limit):
    with connection.cursor() as cursor:
        cursor.execute(REFERENCE_SQL, {"text": text, "audience": audience, "limit": limit})
        return [briefing_id for (briefing_id,) in cursor.fetchall()]


def build_archive():
    now = timezone.now()
    texts = [
        ("Harbour cranes automate", "Cranes at the harbour.", "Export control rules for chips."),
        ("Cold storage capacity", "Warehousing grows.", "Storage near the harbour."),
        ("Control of export licences", "Rules.", "The harbour waits on cranes."),
        ("Export control tightens", "Chips and rules.", "Harbour harbour harbour."),
        ("東京 データセンター", "東京 の 計画。", "Cranes."),
        ("The state of the art", "Of and the.", "Warehousing and storage rules."),
    ]
    briefings = []
    for index in range(18):
        title, summary, body = texts[index % len(texts)]
        briefing = BriefingFactory(
            title=f"{title} {index}",
            summary=summary,
            published_at=now - timedelta(hours=index % 7, minutes=index),
        )
        SectionFactory(briefing=briefing, body=body, audience=Audience.PUBLIC)
        if index % 3 == 0:
            SectionFactory(
                briefing=briefing,
                body="Member text: the marzipan harbour.",
                audience=Audience.STRATEGIC_CIRCLE,
            )
        briefings.append(briefing)
    # Not live: never found, whatever it holds.
    BriefingFactory(title="Harbour cranes later", published_at=now + timedelta(days=1))
    briefings_reindex()
    return briefings


@postgres_only
@pytest.mark.parametrize("limit", [3, search.MAX_CANDIDATES])
def test_the_ranked_matches_are_the_plain_statements_for_every_query_form(limit):
    build_archive()
    queryset = Briefing.objects.published().for_search_results()
    for audience in Audience:
        document = int(search_document_audience(audience))
        for text in QUERIES:
            for narrowed in (False, True):
                matches = search.Matches(
                    queryset, text=text, document=document, narrowed=narrowed, limit=limit
                )
                expected = reference(text, document, limit)
                assert matches.ranked == expected, (text, audience, narrowed)
                assert len(matches) == len(expected)
                shown = [briefing.pk for briefing in matches[0 : len(expected)]]
                assert shown == expected, (text, audience, narrowed)


# The result line as the template wrote it before briefings.search.results.
TEMPLATE_LINES = """{% load briefing_tags discovery %}{% for briefing in briefings %}
<li class="search-result{% if briefing.lead_image_id %} search-result--image{% endif %}">
{% if briefing.lead_image_id %}<div class="search-result__image">{% picture briefing.lead_image "card" %}</div>{% endif %}
<p class="card__meta">
<span class="card__kind">{{ briefing.get_kind_display }}</span>
{% if briefing.category %}<span aria-hidden="true">/</span> <a href="{{ briefing.category.get_absolute_url }}">{{ briefing.category.name }}</a>{% endif %}
{% if briefing.published_at %}<span aria-hidden="true">·</span> {{ briefing.published_at|time_element }}{% endif %}
</p>
<h2 class="search-result__title"><a href="{{ briefing.get_absolute_url }}">{{ briefing.title }}</a></h2>
<p class="search-result__summary">{{ briefing.summary|truncatewords:40 }}</p>
{% if briefing.snippet %}<p class="search-result__snippet">{{ briefing.snippet|highlight:query }}</p>{% endif %}
{{ briefing|access_marker }}
</li>
{% endfor %}"""  # noqa: E501


def squeezed(html: str) -> str:
    """Markup with every run of white space one space, and none between tags."""
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


def test_result_lines_are_the_markup_the_template_wrote():
    image = library_image(title="Lead", alt_text='Cranes & "quotes" <at> dusk')
    with_everything = BriefingFactory(
        title='Harbour <b>cranes</b> & "quotes"',
        summary='<i>Harbour</i> & "cranes" ' + " ".join(f"word{n}" for n in range(60)),
        lead_image=image,
    )
    SectionFactory(briefing=with_everything, body="Harbour text.", audience=Audience.PUBLIC)
    SectionFactory(
        briefing=with_everything, body="Member harbour.", audience=Audience.STRATEGIC_CIRCLE
    )
    SectionFactory(
        briefing=with_everything, body="Alliance harbour.", audience=Audience.LEADERSHIP_ALLIANCE
    )
    CitationFactory(briefing=with_everything, note="A harbour note.")
    plain = BriefingFactory(title="Harbour plain", summary="Short.", category=None)
    SectionFactory(briefing=plain, body="<script>harbour</script> & more.")
    briefings_reindex()
    queryset = Briefing.objects.published().for_search_results()
    for audience in Audience:
        found = list(search.briefings_matching(queryset, text="harbour", audience=audience)[0:20])
        assert {briefing.pk for briefing in found} == {with_everything.pk, plain.pk}
        # Snippets with and without highlight marks, and a result without one.
        found[0].snippet = f"before {search.MARK_START}harbour{search.MARK_STOP} <after> &"
        found[1].snippet = ""
        for query in ("harbour", '<x> & "y"'):
            context = {"briefings": found, "query": query}
            expected = engines["django"].from_string(TEMPLATE_LINES).render(context)
            assert squeezed(result_items(found, query)) == squeezed(expected)
    lines = result_items(found, "")
    assert "&lt;b&gt;cranes&lt;/b&gt; &amp; &quot;quotes&quot;" in lines
    assert "&lt;i&gt;Harbour&lt;/i&gt; &amp; &quot;cranes&quot; word0" in lines
    assert "word36 …</p>" in lines


def test_a_search_by_filters_alone_lists_results_without_snippets(client):
    briefing = BriefingFactory(title="Filtered harbour")
    briefings_reindex()
    response = client.get("/search/", {"category": briefing.category.slug})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="{briefing.get_absolute_url()}">Filtered harbour</a>' in html
    assert "search-result__snippet" not in html


@pytest.mark.parametrize(
    "summary",
    [
        "",
        "Short.",
        " ".join(f"word{n}" for n in range(40)),
        " ".join(f"word{n}" for n in range(41)),
        "Spaced\n\tout  words " * 30,
        " ".join(["word"] * 38 + ["ends", "…", "more"]),
        "word " * 39 + "last …",
    ],
)
def test_a_summary_is_cut_as_truncatewords_cuts_it(summary):
    assert _words(summary, SUMMARY_WORDS) == Truncator(summary).words(SUMMARY_WORDS, truncate=" …")


# The summary partial of briefings/search.html before briefings.search.results wrote it.
TEMPLATE_SUMMARY = """
    <p class="search-summary" role="status">
      {% if capped %}
        More than {{ paginator.count }} briefings match “{{ query|truncatechars:80 }}”: these are the best of the {{ paginator.count }} newest. Add words or a filter to narrow the search.
      {% elif paginator.count %}
        {{ paginator.count }} briefing{{ paginator.count|pluralize }}{% if query %} for “{{ query|truncatechars:80 }}”{% endif %}{% if page_obj.has_other_pages %}, page {{ page_obj.number }} of {{ paginator.num_pages }}{% endif %}.
      {% else %}
        No published briefing matches{% if query %} “{{ query|truncatechars:80 }}”{% endif %}{% if form.facets %} with these filters{% endif %}. Try fewer or different words{% if form.facets %}, or clear a filter{% endif %}.
      {% endif %}
    </p>
"""  # noqa: E501


@pytest.mark.parametrize("query", ["", "grid", 'cooling <b>&</b> "grid"', "long " * 30])
@pytest.mark.parametrize("narrowed", [False, True])
@pytest.mark.parametrize(
    "found,page_number,capped",
    [(0, 1, False), (1, 1, False), (7, 1, False), (45, 2, False), (2000, 3, False), (500, 1, True)],
)
def test_the_summary_is_the_markup_the_template_wrote(query, narrowed, found, page_number, capped):
    page = Paginator(range(found), 20).get_page(page_number)
    form = SimpleNamespace(facets={"kind": "analysis"} if narrowed else {})
    expected = (
        engines["django"]
        .from_string(TEMPLATE_SUMMARY)
        .render(
            {
                "capped": capped,
                "paginator": page.paginator,
                "page_obj": page,
                "query": query,
                "form": form,
            }
        )
    )
    written = results_summary(query=query, page=page, capped=capped, narrowed=narrowed)
    assert written == expected
