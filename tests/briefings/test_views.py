import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from briefings.models import Briefing
from members.access import Audience
from tests import factories
from tests.briefings.helpers import (
    SEED_000,
    SEED_001,
    SEED_001_SLUG,
    squash,
    visible_text,
)
from tests.factories import (
    BriefingFactory,
    CategoryFactory,
    CitationFactory,
    MembershipFactory,
    SectionFactory,
    SourceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SC_TEXT = "Strategic Circle only: the trend behind the signal."
LA_TEXT = "Leadership Alliance only: the failure path."
NOTE_TEXT = "Leadership Alliance source note about reliability."


@pytest.fixture
def gated_briefing():
    return factories.gated_briefing(
        signal_brief=True,
        title="Gated briefing",
        public="Public fact.",
        circle=SC_TEXT,
        alliance=LA_TEXT,
        source=SourceFactory(title="A public report"),
        note=NOTE_TEXT,
    )


def reader(client, tier=None, *, lapsed=False):
    user = UserFactory()
    if tier is not None:
        ends = timezone.now() - dt.timedelta(days=1) if lapsed else None
        MembershipFactory(
            user=user,
            tier=tier,
            starts_at=timezone.now() - dt.timedelta(days=30),
            ends_at=ends,
        )
    client.force_login(user)
    return user


# --- Seeds -----------------------------------------------------------------------------


# The seed's lock panel said what issue 20 corrects: a fixed "Deeper Trend Context"
# heading whatever is locked, "Sign in to unlock" for a tier reached by application, and
# "Join Leadership Alliance" leading to an application. The rest of the panel stays.
SEED_LOCK_WORDING = {
    "Deeper Trend Context",
    "Sign in with the right membership level to unlock the full briefing and source notes.",
    "Open to all readers. Unlock trend briefings after joining and signing in.",
    "For operators, investors, and policy teams that need relationship evidence, failure "
    "paths, and source notes. Sign in to unlock.",
    "Join Leadership Alliance",
}


def test_every_content_line_of_seed_001_is_on_the_page_for_anonymous(client):
    call_command("load_demo", verbosity=0)
    response = client.get(reverse("briefings:detail", args=[SEED_001_SLUG]))
    assert response.status_code == 200
    page = squash(visible_text(response.content.decode()))
    missing = []
    for line in SEED_001.read_text(encoding="utf-8").splitlines():
        line = line.strip().lstrip("•").strip()
        if not line or line == "BackMore Coverage: Datacenter" or line in SEED_LOCK_WORDING:
            continue
        if squash(line) not in page:
            missing.append(line)
    assert missing == []
    # The page chrome, as links.
    assert "Back" in visible_text(response.content.decode())
    assert squash("More Coverage: Datacenter") in page
    # The seed's demo member text is ours and stays behind the lock.
    assert "Demo member text" not in response.content.decode()


def test_seed_001_title_repeats_as_the_fact_file_heading(client):
    call_command("import_briefings", str(SEED_001), verbosity=0)
    html = client.get(reverse("briefings:detail", args=[SEED_001_SLUG])).content.decode()
    title = "HKSTP and SenseTime partner on Hong Kong AI data centre"
    assert html.count(f'<p class="fact-file__title">{title}</p>') == 1


def test_seed_001_fact_file_reads_as_a_reader_wants(client):
    """
    The seed lists no public references: the fact file opens with the classification and
    closes with a quiet Sources line; a rationale given to several facets is shown once;
    Impact and Confidence come before the lock cards in the page (so on a phone too).
    """
    call_command("load_demo", verbosity=0)
    html = client.get(reverse("briefings:detail", args=[SEED_001_SLUG])).content.decode()
    fact_file = html.split('<aside class="fact-file"')[1].split(">", 1)[1].split("</aside>")[0]
    text = squash(visible_text(fact_file))
    assert "No public references" not in html
    assert text.index(squash("CategoryDatacenter")) < text.index("Sources")
    assert text.endswith(
        squash("Sources Public references used for this article. None are listed yet.")
    )
    assert 'class="sources sources--none"' in fact_file
    shared = (
        "The partnership signals Hong Kong's attempt to turn local AI compute capacity into a "
        "commercialisation layer for enterprise and international AI services."
    )
    # The seed gives Content Type, Primary Domain and Impact this one rationale.
    assert visible_text(fact_file).count(shared) == 1
    assert text.index(squash("Content TypeSignal Briefing")) < text.index(squash(shared))
    assert text.index(squash(shared)) < text.index(squash("Primary DomainTechnology"))
    position = html.index
    assert position('<aside class="fact-file"') < position('class="member-briefing"')
    assert position("<dt>Impact</dt>") < position('class="lock-card')
    assert position("High confidence (90%)") < position('class="lock-card')


def test_a_briefing_with_sources_opens_its_fact_file_with_them(client, gated_briefing):
    html = client.get(gated_briefing.get_absolute_url()).content.decode()
    fact_file = html.split('<aside class="fact-file"')[1].split(">", 1)[1].split("</aside>")[0]
    assert fact_file.index('class="sources"') < fact_file.index('class="classification"')
    assert "None are listed yet." not in fact_file


def test_seed_000_article_has_no_repeated_paragraph(client):
    call_command("import_briefings", str(SEED_000), verbosity=0)
    briefing = Briefing.objects.get()
    # Imported as a draft: unpublished, so not on the site until an editor publishes it.
    assert client.get(briefing.get_absolute_url()).status_code == 404
    Briefing.objects.filter(pk=briefing.pk).update(
        status=Briefing.Status.PUBLISHED, published_at=timezone.now()
    )
    response = client.get(briefing.get_absolute_url())
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    lines = [line.strip() for line in SEED_000.read_text(encoding="utf-8").splitlines()]
    paragraphs = [line for line in lines if line]
    standfirst, body = paragraphs[0], paragraphs[1:]
    assert text.count(standfirst) == 1
    for paragraph in set(body):
        assert text.count(paragraph) == 1, paragraph


# --- Gated text --------------------------------------------------------------------------


def test_anonymous_reader_gets_no_gated_text_and_both_lock_cards(client, gated_briefing):
    response = client.get(gated_briefing.get_absolute_url())
    html = response.content.decode()
    assert "Public fact." in html
    assert SC_TEXT not in html and LA_TEXT not in html and NOTE_TEXT not in html
    # Not even the headings of the locked sections.
    assert "Failure paths" not in html
    assert "gated-section" not in html
    assert "Only for Strategic Circle" in html
    assert "Only for Leadership Alliance" in html
    signup = (
        reverse("account_signup") + "?next=" + gated_briefing.get_absolute_url().replace("/", "%2F")
    )
    assert signup in html
    assert reverse("account_login") + "?next=" in html
    assert "A public report" in html  # source titles are public


def test_strategic_circle_member_reads_their_tier_only(client, gated_briefing):
    reader(client, Audience.STRATEGIC_CIRCLE)
    html = client.get(gated_briefing.get_absolute_url()).content.decode()
    assert SC_TEXT in html
    assert 'class="briefing-section gated-section"' in html
    assert LA_TEXT not in html and NOTE_TEXT not in html
    assert "Only for Strategic Circle" not in html
    assert "Only for Leadership Alliance" in html
    assert "Apply for Leadership Alliance" in html
    assert "The rest of this briefing" in html
    assert reverse("members:tier", args=["leadership-alliance"]) + "?next=" in html
    assert reverse("account_login") + "?next=" not in html


def test_leadership_alliance_member_reads_everything_without_lock_panel(client, gated_briefing):
    reader(client, Audience.LEADERSHIP_ALLIANCE)
    html = client.get(gated_briefing.get_absolute_url()).content.decode()
    assert SC_TEXT in html and LA_TEXT in html and NOTE_TEXT in html
    assert "Only for" not in html
    assert "Sign in with the right membership level" not in html


def test_lapsed_member_is_asked_to_renew_and_reads_public_only(client, gated_briefing):
    reader(client, Audience.LEADERSHIP_ALLIANCE, lapsed=True)
    html = client.get(gated_briefing.get_absolute_url()).content.decode()
    assert LA_TEXT not in html and SC_TEXT not in html and NOTE_TEXT not in html
    assert "Renew Leadership Alliance" in html


def test_signed_in_reader_without_tier_is_asked_to_join(client, gated_briefing):
    reader(client)
    html = client.get(gated_briefing.get_absolute_url()).content.decode()
    assert SC_TEXT not in html
    assert "Join Strategic Circle" in html
    assert "Apply for Leadership Alliance" in html


def test_source_notes_alone_show_only_the_leadership_alliance_card(client):
    briefing = BriefingFactory()
    CitationFactory(briefing=briefing, note=NOTE_TEXT)
    html = client.get(briefing.get_absolute_url()).content.decode()
    assert NOTE_TEXT not in html
    assert "Only for Leadership Alliance" in html
    assert "Only for Strategic Circle" not in html


def test_public_only_briefing_has_no_lock_panel(client):
    briefing = BriefingFactory()
    SectionFactory(briefing=briefing)
    html = client.get(briefing.get_absolute_url()).content.decode()
    assert "Member Briefing" not in html


def test_markdown_cannot_put_a_script_on_the_page(client):
    briefing = BriefingFactory()
    SectionFactory(
        briefing=briefing,
        body=(
            '<script>alert("x")</script>\n\n'
            "[click](javascript:alert(1)) <img src=x onerror=alert(1)>"
        ),
    )
    html = client.get(briefing.get_absolute_url()).content.decode()
    assert "<script>alert" not in html
    assert 'href="javascript:' not in html
    assert "<img" not in html  # shown as text, never as a tag
    assert "&lt;script&gt;" in html


# --- Unpublished is a 404 like a missing slug ----------------------------------------------


@pytest.mark.parametrize(
    "status", [Briefing.Status.DRAFT, Briefing.Status.REVIEW, Briefing.Status.ARCHIVED]
)
def test_unpublished_briefing_is_404(client, status):
    briefing = BriefingFactory(status=status)
    missing = client.get(reverse("briefings:detail", args=["no-such-briefing"]))
    response = client.get(briefing.get_absolute_url())
    assert response.status_code == missing.status_code == 404
    assert briefing.title not in response.content.decode()


def test_scheduled_briefing_is_404_until_its_time(client):
    briefing = BriefingFactory(
        status=Briefing.Status.SCHEDULED, published_at=timezone.now() + dt.timedelta(hours=2)
    )
    assert client.get(briefing.get_absolute_url()).status_code == 404
    Briefing.objects.filter(pk=briefing.pk).update(
        published_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert client.get(briefing.get_absolute_url()).status_code == 200


def test_unpublished_briefings_stay_out_of_lists(client):
    live = BriefingFactory(title="Live one")
    BriefingFactory(title="Draft one", status=Briefing.Status.DRAFT, category=live.category)
    for url in (
        reverse("briefings:home"),
        reverse("briefings:list"),
        live.category.get_absolute_url(),
    ):
        html = client.get(url).content.decode()
        assert "Live one" in html and "Draft one" not in html, url


# --- Fixed query counts --------------------------------------------------------------------


def _gated_briefing_of_size(size):
    briefing = BriefingFactory(signal_brief=True)
    for index in range(size):
        SectionFactory(briefing=briefing, audience=Audience.PUBLIC)
        SectionFactory(briefing=briefing, audience=Audience.STRATEGIC_CIRCLE)
        CitationFactory(briefing=briefing, note=f"Note {index}")
    return briefing


@pytest.mark.parametrize("size", [2, 20])
def test_briefing_page_queries_do_not_grow_with_content(
    client, django_assert_num_queries, settings, size
):
    briefing = _gated_briefing_of_size(size)
    url = briefing.get_absolute_url()
    # From nothing: the briefing with its taxonomy and which gated parts exist, the
    # sections, the citations with their sources, and the tier wording of the lock cards.
    with django_assert_num_queries(4):
        assert client.get(url).status_code == 200
    # The next anonymous reader gets the whole page from the page cache.
    with django_assert_num_queries(0):
        assert client.get(url)["X-Page-Cache"] == "hit"
    # Without that (a short page lifetime ran out, or was set to none), the rendered
    # parts are still in the cache: no query at all.
    settings.PUBLIC_PAGE_MAX_AGE = 0
    with django_assert_num_queries(0):
        assert client.get(url).status_code == 200
    # After an edit the page is rendered again; the tier wording stays in the cache
    # until a tier is edited.
    briefing.save()
    with django_assert_num_queries(3):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("size", [2, 20])
@pytest.mark.parametrize(
    ("tier", "cold"),
    # The user and their memberships (the session is in the cache), then the briefing,
    # its sections and citations, and for a reader with lock cards the tier wording; and
    # which of the briefing's category, region and topic the member follows (the follow
    # buttons, per user, so never in the cached parts).
    [(None, 7), (Audience.STRATEGIC_CIRCLE, 7), (Audience.LEADERSHIP_ALLIANCE, 6)],
    ids=["signed-in-without-membership", "strategic-circle", "leadership-alliance"],
)
def test_briefing_page_queries_for_a_member(client, django_assert_num_queries, size, tier, cold):
    briefing = _gated_briefing_of_size(size)
    reader(client, tier)
    url = briefing.get_absolute_url()
    with django_assert_num_queries(cold):
        assert client.get(url).status_code == 200
    # Afterwards the parts come from the cache, and so do the account, its membership
    # terms and its follows (kept per account, members.caching): no query at all.
    with django_assert_num_queries(0):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("size", [2, 20])
def test_list_pages_queries_do_not_grow(client, django_assert_num_queries, size):
    category = CategoryFactory()
    for _ in range(size):
        BriefingFactory(category=category)
    # the newest briefings, the categories, their newest briefings; and the tiers' wording
    # for the reader's offer above them (then cached until a tier is edited)
    with django_assert_num_queries(4):
        client.get(reverse("briefings:home"))
    # count, page of briefings, category, region and topic choices (then cached)
    with django_assert_num_queries(5):
        client.get(reverse("briefings:list"))
    # the category, count, page
    with django_assert_num_queries(3):
        client.get(category.get_absolute_url())
    # A signed-in reader is never given a shared page, but the list's content names no
    # reader: it was rendered for the anonymous request above and is shared. Only the
    # user, their standing and their follows are looked up (the last two name the page
    # kept whole for them: briefings.signed_pages), once: then they are kept.
    reader(client)
    with django_assert_num_queries(3):
        client.get(reverse("briefings:list"))
    with django_assert_num_queries(0):
        client.get(reverse("briefings:list"))
    # A coverage page's term (title, feeds) was kept by the anonymous request above, and
    # what this member follows (the follow button) by the list page's request: no query.
    with django_assert_num_queries(0):
        client.get(category.get_absolute_url())
    with django_assert_num_queries(0):
        client.get(category.get_absolute_url())
    # Another address is rendered afresh: the count and the page.
    with django_assert_num_queries(2):
        client.get(reverse("briefings:list"), {"page": "2"})


# --- Home, list, coverage ------------------------------------------------------------------


def test_home_shows_lead_latest_and_coverage_by_category(client):
    datacenter = CategoryFactory(name="Datacenter")
    older = BriefingFactory(
        title="Older", category=datacenter, published_at=timezone.now() - dt.timedelta(days=3)
    )
    lead = BriefingFactory(title="Newest", published_at=timezone.now() - dt.timedelta(minutes=5))
    html = client.get(reverse("briefings:home")).content.decode()
    assert html.index("Newest") < html.index("Older")
    assert 'aria-label="Lead briefing"' in html
    assert "Coverage by category" in html
    assert datacenter.get_absolute_url() in html
    assert lead.get_absolute_url() in html and older.get_absolute_url() in html


def test_list_filters_by_kind_category_impact_and_confidence(client):
    cloud = CategoryFactory(name="Cloud")
    match = BriefingFactory(
        signal_brief=True, category=cloud, confidence=80, title="Matching brief"
    )
    BriefingFactory(signal_brief=True, category=cloud, confidence=40, title="Low confidence brief")
    BriefingFactory(category=cloud, title="An article")
    BriefingFactory(signal_brief=True, confidence=80, title="Other category brief")
    response = client.get(
        reverse("briefings:list"),
        {
            "kind": "signal-brief",
            "category": cloud.slug,
            "impact": "medium",
            "confidence_min": "60",
        },
    )
    html = response.content.decode()
    assert "Matching brief" in html
    for other in ("Low confidence brief", "An article", "Other category brief"):
        assert other not in html
    assert match.get_absolute_url() in html


@pytest.mark.parametrize(
    "query",
    [
        {"kind": "nonsense"},
        {"category": "no-such-category"},
        {"impact": "extreme"},
        {"confidence_min": "lots"},
        {"confidence_min": "90", "confidence_max": "10"},
        {"confidence_max": "1000"},
        {"page": "abc"},
        {"page": "9999"},
        {"page": "-1"},
        {"region": "<script>"},
    ],
)
def test_bad_filter_values_give_a_clean_page(client, query):
    BriefingFactory(title="Still listed")
    response = client.get(reverse("briefings:list"), query)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Still listed" in html
    assert "<script>" not in html.split("<main", 1)[1]


def test_bad_filter_is_reported_and_good_filters_still_apply(client):
    BriefingFactory(signal_brief=True, title="Signal one")
    BriefingFactory(title="Article one")
    html = client.get(reverse("briefings:list"), {"kind": "signal-brief", "impact": "x"}).content
    html = html.decode()
    assert "Some filters were not understood and were ignored." in html
    assert "Signal one" in html and "Article one" not in html


def test_list_paginates_and_keeps_filters_in_page_links(client):
    for _ in range(14):
        BriefingFactory(kind=Briefing.Kind.ARTICLE)
    html = client.get(reverse("briefings:list"), {"kind": "article"}).content.decode()
    assert "Page 1 of 2" in html
    assert "?kind=article&amp;page=2" in html
    last = client.get(reverse("briefings:list"), {"kind": "article", "page": "2"})
    assert "Page 2 of 2" in last.content.decode()


@pytest.mark.parametrize("kind", ["category", "region", "topic"])
def test_coverage_pages(client, kind):
    briefing = BriefingFactory()
    term = getattr(briefing, kind)
    response = client.get(term.get_absolute_url())
    assert response.status_code == 200
    assert briefing.title in response.content.decode()
    assert client.get(reverse(f"briefings:{kind}", args=["nope"])).status_code == 404


def test_more_coverage_link_leads_to_the_category(client):
    briefing = BriefingFactory(category=CategoryFactory(name="Datacenter"))
    html = client.get(briefing.get_absolute_url()).content.decode()
    assert f'href="{briefing.category.get_absolute_url()}">More Coverage: Datacenter' in html


def test_article_page_shows_standfirst_and_body_without_signal_panels(client):
    briefing = BriefingFactory(summary="The standfirst.")
    SectionFactory(briefing=briefing, heading="", body="Opening paragraph.")
    html = client.get(briefing.get_absolute_url()).content.decode()
    assert "The standfirst." in html and "Opening paragraph." in html
    assert "Signal Brief" not in html and "Published reporting" not in html


def test_home_features_the_most_active_categories_and_links_the_rest(client):
    for index in range(10):
        BriefingFactory(
            category=CategoryFactory(name=f"Area {index:02d}"),
            published_at=timezone.now() - dt.timedelta(days=index + 1),
        )
    html = client.get(reverse("briefings:home")).content.decode()
    blocks = html.split('class="coverage-more"')[0]
    assert "Area 00" in blocks and "Area 07" in blocks
    more = html.split('class="coverage-more"')[1]
    assert "Area 08" in more and "Area 09" in more


def test_a_title_without_latin_letters_still_gets_a_working_address(client):
    briefing = BriefingFactory(title="東京 データセンター", slug="")
    assert briefing.slug.startswith("briefing-")
    response = client.get(briefing.get_absolute_url())
    assert response.status_code == 200
    assert "東京 データセンター" in response.content.decode()


# Cards: the day in words, the instant for machines; addresses under a script prefix.


def test_cards_show_the_day_in_words_and_the_exact_instant(client):
    BriefingFactory(title="Dated", published_at=dt.datetime(2026, 3, 5, 9, 7, 1, tzinfo=dt.UTC))
    html = client.get(reverse("briefings:list")).content.decode()
    assert '<time datetime="2026-03-05T09:07:01+0000">5 March 2026</time>' in html


def test_the_publication_day_is_the_day_in_the_sites_time_zone(settings):
    from briefings.templatetags.briefing_tags import time_element

    late = dt.datetime(2026, 3, 5, 23, 30, tzinfo=dt.UTC)
    with timezone.override("Asia/Tokyo"):
        assert time_element(late) == (
            '<time datetime="2026-03-06T08:30:00+0900">6 March 2026</time>'
        )
    assert time_element(None) == ""


def test_briefing_and_coverage_addresses_follow_the_script_prefix():
    from django.urls import set_script_prefix

    briefing = BriefingFactory(slug="prefixed", category=CategoryFactory(slug="grid"))
    assert briefing.get_absolute_url() == "/briefings/prefixed/"
    set_script_prefix("/intel/")
    try:
        assert briefing.get_absolute_url() == "/intel/briefings/prefixed/"
        assert briefing.category.get_absolute_url() == "/intel/coverage/category/grid/"
    finally:
        set_script_prefix("/")
    assert briefing.get_absolute_url() == "/briefings/prefixed/"


def test_list_filters_fold_behind_a_summary_that_counts_those_on(client):
    url = reverse("briefings:list")
    html = client.get(url).content.decode()
    panel = html.split('<details class="filters-panel"')[1].split("</details>")[0]
    assert panel.startswith(">"), "closed unless asked: on a phone it would fill the screen"
    assert '<summary class="filters-panel__summary">Filters</summary>' in panel
    assert '<form class="filters"' in panel
    html = client.get(url, {"kind": "article", "impact": "high"}).content.decode()
    assert 'Filters <span class="filters-panel__count">(2 on)</span>' in html
    # A filter that was not understood opens the panel, so its message is seen.
    html = client.get(url, {"impact": "enormous"}).content.decode()
    assert '<details class="filters-panel" open>' in html
