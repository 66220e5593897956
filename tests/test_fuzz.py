"""
Property-based tests: whatever a reader puts in a query string or a URL, and whatever an
editor puts in a file to import, the answer is a page or a clear message, never a 500 and
never a traceback.
"""

import io
import itertools
import os
from urllib.parse import quote, urlencode

import pytest
import yaml
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefings.importing import FRONT_MATTER_KEYS, SOURCE_KEYS, briefings_import
from briefings.models import Briefing
from members.access import Audience
from tests.factories import (
    BriefingFactory,
    CitationFactory,
    MembershipFactory,
    SectionFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

# CI-sized: enough examples to find the odd input, few enough for seconds per test
# (FUZZ_EXAMPLES=1000 for a deeper run by hand). The
# fixtures (the content, the clients' users) are made once per test and only read by the
# examples, so sharing them across examples is safe.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

LIST_FILTERS = [
    "kind",
    "category",
    "region",
    "topic",
    "impact",
    "confidence_min",
    "confidence_max",
    "page",
]
SEARCH_FIELDS = ["q", *LIST_FILTERS]

# Values a hand-edited or hostile link may carry: real ones, near misses, numbers out of
# every range, control characters, unicode, and very long strings.
odd_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "a\x00b",
            "signal-brief",
            "article",
            "high",
            "category-0",
            "-1",
            "101",
            "0",
            "1e3",
            "9" * 40,
            "-" + "9" * 40,
            "NaN",
            "inf",
            "last",
            "1.5",
            "\uff10",  # a full-width zero
            "٣",  # an Arabic-Indic three
            "'; DROP TABLE briefings_briefing; --",
            "<script>alert(1)</script>",
            "%",
            "\ud7ff",
            "🛰️",
        ]
    ),
    st.integers().map(str),
    st.integers(min_value=200, max_value=5_000).map(lambda n: "x" * n),
)

# Raw query-string pieces, including broken percent-encodings a library would not make.
raw_pieces = st.sampled_from(
    [
        "%",
        "%0",
        "%00",
        "%ZZ",
        "%C3%28",
        "%FF%FE",
        "%E2%82",
        "%ED%A0%80",  # an encoded surrogate
        "%25",
        "%2F",
        "+",
        "&",
        "=",
        ";",
        "é",
        "q",
        "page",
        "kind",
        "category",
        "confidence_min",
        "1",
        "x" * 300,
    ]
)


def query_dicts(fields):
    return st.dictionaries(
        st.sampled_from(fields),
        st.one_of(odd_text, st.lists(odd_text, min_size=2, max_size=3)),
        max_size=len(fields),
    )


def assert_clean(response, url):
    assert response.status_code < 500, f"{url} answered {response.status_code}"
    body = response.content if not response.streaming else b"".join(response.streaming_content)
    assert b"Traceback" not in body, url


@pytest.fixture
def content(db):
    cache.clear()
    briefings = [
        BriefingFactory(signal_brief=True, confidence=confidence) for confidence in (10, 50, 90)
    ]
    for briefing in briefings:
        SectionFactory(briefing=briefing)
        SectionFactory(briefing=briefing, audience=Audience.LEADERSHIP_ALLIANCE)
        CitationFactory(briefing=briefing, note="A note.")
    BriefingFactory(status=Briefing.Status.DRAFT, published_at=None, slug="a-draft")
    return briefings


@pytest.fixture
def clients(content):
    """An anonymous reader and a Leadership Alliance member."""
    member = MembershipFactory(tier=Audience.LEADERSHIP_ALLIANCE, user__password="!").user
    signed_in = Client()
    signed_in.force_login(member)
    return [Client(), signed_in]


@FUZZ
@given(query=query_dicts(LIST_FILTERS), signed_in=st.booleans())
def test_briefing_list_filters_never_fail(clients, query, signed_in):
    url = f"{reverse('briefings:list')}?{urlencode(query, doseq=True)}"
    assert_clean(clients[signed_in].get(url), url)


@FUZZ
@given(query=query_dicts(SEARCH_FIELDS), signed_in=st.booleans())
def test_search_never_fails(clients, query, signed_in):
    url = f"{reverse('briefings:search')}?{urlencode(query, doseq=True)}"
    assert_clean(clients[signed_in].get(url), url)


@FUZZ
@given(
    pieces=st.lists(raw_pieces, max_size=12),
    path=st.sampled_from(["/search/", "/briefings/", "/coverage/category/{slug}/"]),
    signed_in=st.booleans(),
)
def test_raw_query_strings_never_fail(content, clients, pieces, path, signed_in):
    url = path.format(slug=content[0].category.slug) + "?" + "".join(pieces)
    assert_clean(clients[signed_in].get(url), url)


@FUZZ
@given(
    kind=st.sampled_from(["category", "region", "topic"]),
    real=st.booleans(),
    slug=odd_text,
    page=odd_text,
    signed_in=st.booleans(),
)
def test_coverage_pages_and_their_pagination_never_fail(
    content, clients, kind, real, slug, page, signed_in
):
    term_slug = getattr(content[0], kind).slug if real else quote(slug, safe="")
    url = f"/coverage/{kind}/{term_slug}/?{urlencode({'page': page})}"
    assert_clean(clients[signed_in].get(url), url)
    if not real:
        feed = f"/feeds/{kind}/{term_slug}.rss"
        assert_clean(clients[signed_in].get(feed), feed)


@FUZZ
@given(
    slug=odd_text,
    params=st.dictionaries(
        st.sampled_from(["audience", "preview", "as", "tier", "next", "page"]),
        odd_text,
        max_size=3,
    ),
    which=st.integers(min_value=0, max_value=5),
    signed_in=st.booleans(),
)
def test_briefing_tier_and_preview_urls_never_fail(
    content, clients, slug, params, which, signed_in
):
    urls = [
        f"/briefings/{quote(slug, safe='')}/",
        f"{content[0].get_absolute_url()}?{urlencode(params)}",
        f"/briefings/a-draft/?{urlencode(params)}",
        f"/membership/{quote(slug, safe='')}/?{urlencode(params)}",
        f"/membership/invitations/{quote(slug, safe='')}/",
        f"/admin/briefings/briefing/{content[0].pk}/preview/{quote(slug, safe='')}/",
    ]
    assert_clean(clients[signed_in].get(urls[which]), urls[which])


@pytest.fixture
def editor_client(content):
    client = Client()
    client.force_login(StaffFactory(group="editors", password="!"))
    return client


@FUZZ
@given(object_id=st.integers(min_value=0, max_value=2**70), audience=odd_text)
def test_staff_preview_urls_never_fail(content, editor_client, object_id, audience):
    """An editor may preview; any id and audience in the address is a page or a 404."""
    client = editor_client
    for pk in (object_id, content[0].pk):
        url = f"/admin/briefings/briefing/{pk}/preview/{quote(audience, safe='')}/"
        response = client.get(url)
        assert_clean(response, url)
        if pk == content[0].pk and audience in {a.slug for a in Audience}:
            assert response.status_code == 200, url


# --- The importer ---------------------------------------------------------------------

yaml_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=60),
    st.dates(),
    st.datetimes(),
    st.sampled_from(
        [
            "signal-brief",
            "article",
            "published",
            "draft",
            "scheduled",
            "high",
            "2026-13-45",
            "2026-02-30T25:00",
            "yesterday",
            "x" * 1000,
            "\x00",
        ]
    ),
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(sorted(SOURCE_KEYS)) | st.text(max_size=8), children),
    ),
    max_leaves=6,
)
front_matter = st.dictionaries(
    st.sampled_from(sorted(FRONT_MATTER_KEYS)) | st.text(max_size=12),
    yaml_values,
    max_size=8,
)
body_lines = st.lists(
    st.one_of(
        st.text(max_size=60),
        st.sampled_from(
            [
                "## The fact",
                "##",
                "## Deeper context {access=strategic-circle}",
                "## Failure paths {access=leadership-alliance}",
                "## Odd {access=everyone}",
                "## Odd {access=}",
                "## {access=leadership-alliance}",
                "```",
                "---",
                "# Title",
            ]
        ),
    ),
    max_size=12,
)
_files = itertools.count()


def dump_front_matter(data) -> str:
    try:
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    except yaml.YAMLError:
        return "title: [unclosed\n"


markdown_files = st.builds(
    lambda data, lines, raw_head: (
        ("---\n" + (raw_head if raw_head is not None else dump_front_matter(data)) + "---\n")
        + "\n".join(lines)
    ),
    front_matter,
    body_lines,
    st.none() | st.text(max_size=80),
)
page_exports = st.lists(
    st.one_of(
        st.text(max_size=80),
        st.sampled_from(
            [
                "Signal briefing / Datacenter",
                "Article / Power",
                "Classification",
                "Category",
                "Datacenter",
                "Confidence",
                "High confidence (90%)",
                "Impact",
                "Sources",
                "What To Watch",
                "Strategic Circle",
                "Leadership Alliance",
            ]
        ),
    ),
    max_size=20,
).map("\n".join)


def _check_report(report, path):
    assert [r.outcome for r in report.results] and all(
        r.outcome in {"created", "updated", "skipped", "failed"} for r in report.results
    )
    for result in report.by_outcome("failed"):
        assert path.name in result.message, result.message
    for result in report.results:
        # The report names the file (the command prints it before the message).
        assert result.path == str(path)
        assert "Traceback" not in result.message


@FUZZ
@given(text=markdown_files, update=st.booleans())
def test_importing_random_markdown_files_reports_clearly(tmp_path, text, update, db):
    path = tmp_path / f"briefing-{next(_files)}.md"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _check_report(briefings_import(paths=[path], update=update), path)


@FUZZ
@given(text=page_exports | st.text(max_size=400))
def test_importing_random_page_exports_reports_clearly(tmp_path, text, db):
    path = tmp_path / f"export-{next(_files)}.txt"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _check_report(briefings_import(paths=[path]), path)


@FUZZ
@given(data=st.binary(max_size=300), suffix=st.sampled_from([".md", ".txt"]))
def test_import_command_on_random_bytes_says_which_file(tmp_path, data, suffix, db):
    path = tmp_path / f"bytes-{next(_files)}{suffix}"
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_briefings", str(path), stdout=out, stderr=err)
    except CommandError as exc:
        assert "Traceback" not in str(exc)
        assert path.name in err.getvalue(), err.getvalue()
    output = out.getvalue() + err.getvalue()
    assert "Traceback" not in output
    assert "Import finished" in output
