"""
The leak audit: every gated word, every audience, every page a reader can reach.

Briefings carry a unique marker word in every gated place (each section audience, a
source note, whole unpublished briefings in each status, and text that only survives in
revision history), next to public control words. Each audience then crawls the site from
the home page, the feeds and the sitemap (same host, GET only), plus search for every
marker and the filtered lists, and the test fails on any marker found in a response body
or header that the audience may not read. Who may read what is asked of members.access,
and the positive side is checked too: each marker an audience may read is found by it
somewhere, so the crawl provably reaches the pages that matter.
"""

import re
from collections import deque
from dataclasses import dataclass
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from briefings.autosave import autosave_write
from briefings.feeds import FORMATS
from briefings.models import Briefing, Section
from briefings.pending import data as pending_data
from briefings.pending.workflow import pending_change_save
from briefings.search import briefings_reindex
from delivery.private_feeds import private_feed_create, private_feed_revoke
from members import access
from members.access import Audience
from members.selectors import reader_status
from organisations import services as organisation_services
from organisations.models import Seat
from tests.factories import (
    ApplicationFactory,
    BriefingFactory,
    CategoryFactory,
    CitationFactory,
    LicenceFactory,
    MembershipFactory,
    RegionFactory,
    SectionFactory,
    StaffFactory,
    TopicFactory,
    UserFactory,
    library_image,
)

pytestmark = pytest.mark.django_db

# A crawl that reaches this many pages is following something it should not (a link
# that grows on every page); the audit fails rather than silently stopping short.
MAX_PAGES = 800

SKIPPED_PREFIXES = ("/admin/", "/static/", "/csp-report", "/media/")
SKIPPED_WORDS = ("logout", "sign-out", "delete")


@dataclass(frozen=True)
class Marker:
    word: str
    place: str
    # The audience a reader needs; None when no reader may ever see it on the site.
    required: Audience | None


def public(word, place):
    return Marker(word, place, Audience.PUBLIC)


# Public control words (they prove the crawl reads the live briefing's pages).
TITLE = public("zephyrtitleword", "live briefing title")
SUMMARY = public("quillsummaryword", "live briefing summary")
# The page's own search title and description: its head carries them (not e-mails or
# feeds, which show the headline and summary), so the page test below checks them.
SEARCH_META = public("jacanametaword", "live briefing's search title and description")
PUBLIC_SECTION = public("lanternpublicword", "public section")
# Gated words: who may read them is the access rule's answer for the part's audience.
CIRCLE_SECTION = Marker("marmosetcircleword", "Strategic Circle section", Audience.STRATEGIC_CIRCLE)
ALLIANCE_SECTION = Marker(
    "pangolinallianceword", "Leadership Alliance section", Audience.LEADERSHIP_ALLIANCE
)
SOURCE_NOTE = Marker("kestrelnoteword", "source note", access.SOURCE_NOTE_AUDIENCE)
# A gated section's heading is gated text: "In this briefing", lock cards and card marks
# name locked sections by their tier's kind of content, never by their headings.
CIRCLE_HEADING = Marker(
    "caracalcircleheading", "Strategic Circle section heading", Audience.STRATEGIC_CIRCLE
)
ALLIANCE_HEADING = Marker(
    "dugongallianceheading", "Leadership Alliance section heading", Audience.LEADERSHIP_ALLIANCE
)
# An image placed in the Strategic Circle section: its address, alt text and caption are
# that section's, wherever they would show (page, search, feeds, e-mail, cached parts).
CIRCLE_IMAGE_URL = Marker(
    "yakimageurlword",
    "address of an image in a Strategic Circle section",
    Audience.STRATEGIC_CIRCLE,
)
CIRCLE_IMAGE_ALT = Marker(
    "okapialtword", "alt text of an image in a Strategic Circle section", Audience.STRATEGIC_CIRCLE
)
CIRCLE_IMAGE_CAPTION = Marker(
    "quokkacaptionword",
    "caption of an image in a Strategic Circle section",
    Audience.STRATEGIC_CIRCLE,
)
# Never on the site for anyone: unpublished briefings and text edited away.
DRAFT = Marker("ocelotdraftword", "draft briefing", None)
REVIEW = Marker("wombatreviewword", "briefing in review", None)
SCHEDULED = Marker("ibexscheduledword", "briefing scheduled for tomorrow", None)
ARCHIVED = Marker("tapirarchivedword", "archived briefing", None)
HISTORY = Marker("geckohistoryword", "older version in revision history", None)
PENDING = Marker("narwhalpendingword", "live briefing's changes not yet published", None)
AUTOSAVE = Marker("okapiautosaveword", "an editor's autosave, never saved", None)

MARKERS = [
    TITLE,
    SUMMARY,
    PUBLIC_SECTION,
    CIRCLE_SECTION,
    ALLIANCE_SECTION,
    SOURCE_NOTE,
    CIRCLE_HEADING,
    ALLIANCE_HEADING,
    CIRCLE_IMAGE_URL,
    CIRCLE_IMAGE_ALT,
    CIRCLE_IMAGE_CAPTION,
    DRAFT,
    REVIEW,
    SCHEDULED,
    ARCHIVED,
    HISTORY,
    PENDING,
    AUTOSAVE,
]
# A word in no briefing: a search for it shows how often a page echoes the query.
ABSENT_WORD = "vicunaabsentword"


def may_read(audience: Audience, marker: Marker) -> bool:
    return marker.required is not None and access.can_read(audience, marker.required)


def build_content():
    """The briefings the audit crawls, returning the slugs of those readers never see."""
    now = timezone.now()
    category, region, topic = CategoryFactory(), RegionFactory(), TopicFactory()
    taxonomy = {"category": category, "region": region, "topic": topic}
    live = BriefingFactory(
        kind=Briefing.Kind.SIGNAL_BRIEF,
        impact=Briefing.Impact.HIGH,
        confidence=80,
        title=f"Grid operators {TITLE.word} the connection queue",
        summary=f"A {SUMMARY.word} change to how connections are granted.",
        meta_title=f"Connection queues: the {SEARCH_META.word} reform",
        meta_description=f"How the {SEARCH_META.word} reform grants grid connections.",
        **taxonomy,
    )
    SectionFactory(briefing=live, position=1, body=f"Public {PUBLIC_SECTION.word} fact.")
    SectionFactory(
        briefing=live,
        position=2,
        heading=f"Deeper trend context {CIRCLE_HEADING.word}",
        body=f"Member text: the {CIRCLE_SECTION.word} trend.\n\n![](image:{circle_image().slug})",
        audience=Audience.STRATEGIC_CIRCLE,
    )
    SectionFactory(
        briefing=live,
        position=3,
        heading=f"Failure paths {ALLIANCE_HEADING.word}",
        body=f"Alliance text: the {ALLIANCE_SECTION.word} failure path.",
        audience=Audience.LEADERSHIP_ALLIANCE,
    )
    CitationFactory(briefing=live, note=f"Note: the {SOURCE_NOTE.word} figure is unaudited.")

    hidden = []
    for marker, status, published_at in [
        (DRAFT, Briefing.Status.DRAFT, None),
        (REVIEW, Briefing.Status.REVIEW, None),
        (SCHEDULED, Briefing.Status.SCHEDULED, now + timedelta(days=1)),
        (ARCHIVED, Briefing.Status.ARCHIVED, now - timedelta(days=3)),
    ]:
        # In the live briefing's taxonomy, so every list and coverage page that could
        # let one slip is one the crawl visits.
        briefing = BriefingFactory(
            status=status,
            published_at=published_at,
            slug=f"unpublished-{status}",
            title=f"Unpublished {marker.word} headline",
            summary=f"The {marker.word} summary.",
            meta_title=f"The {marker.word} search title",
            meta_description=f"The {marker.word} search description.",
            **taxonomy,
        )
        SectionFactory(briefing=briefing, position=1, body=f"The {marker.word} public text.")
        SectionFactory(
            briefing=briefing,
            position=2,
            body=f"The {marker.word} member text.",
            audience=Audience.LEADERSHIP_ALLIANCE,
        )
        CitationFactory(briefing=briefing, note=f"The {marker.word} note.")
        hidden.append(briefing.slug)

    # Revision history: a live, public section whose earlier wording was edited away.
    # django-simple-history keeps the older version, as it does for the newsroom admin.
    edited = BriefingFactory(title="Edited briefing on substations", **taxonomy)
    section = SectionFactory(
        briefing=edited, position=1, body=f"First draft wording: {HISTORY.word} rumours."
    )
    section.body = "Corrected wording: the substation order is confirmed."
    section.save()
    edited.summary = "Corrected summary."
    edited.save()
    assert section.history.filter(body__contains=HISTORY.word).exists()

    # Changes to the live briefing saved but not published: a rewritten public section, a
    # new Strategic Circle section and a new summary, none of which any reader may see.
    pending_change_save(
        briefing=live,
        data=pending_data.data_from(
            Briefing(
                **{
                    **_fields(live),
                    "summary": f"Pending {PENDING.word} summary.",
                    "meta_title": f"Pending {PENDING.word} search title",
                    "meta_description": f"Pending {PENDING.word} search description.",
                }
            ),
            sections=[
                Section(
                    id=s.pk,
                    position=s.position,
                    heading=s.heading,
                    audience=s.audience,
                    body=s.body + (f" Pending {PENDING.word}." if s.position == 1 else ""),
                )
                for s in live.sections.all()
            ]
            + [
                Section(
                    position=4,
                    heading="Pending",
                    audience=Audience.STRATEGIC_CIRCLE,
                    body=f"Member text: the {PENDING.word} pending trend.",
                )
            ],
            citations=live.citations.all(),
        ),
        by=StaffFactory(group="editors"),
    )
    assert PENDING.word in str(live.pending_change.data)

    # An editor's autosave of the live briefing, made before it was published and never
    # saved (briefings.autosave): it stays theirs.
    autosave_write(
        briefing=live,
        user=StaffFactory(group="writers"),
        data=pending_data.data_from(
            Briefing(
                **{
                    **_fields(live),
                    "title": f"Autosaved {AUTOSAVE.word} title",
                    "meta_description": f"Autosaved {AUTOSAVE.word} description.",
                }
            ),
            sections=[Section(position=1, body=f"Autosaved {AUTOSAVE.word} text.")],
            citations=[],
        ),
        base_version=live.version - 1,
    )

    briefings_reindex(briefing_ids=list(Briefing.objects.values_list("pk", flat=True)))
    return live, hidden, taxonomy


def circle_image():
    """
    A library image for the Strategic Circle section, its renditions stored under a
    folder named by the address marker (the upload's own folder name is random).
    """
    image = library_image(
        title="Member chart",
        alt_text=f"Chart of the {CIRCLE_IMAGE_ALT.word} queue",
        caption=f"The {CIRCLE_IMAGE_CAPTION.word} queue by region",
    )
    renditions = []
    for rendition in image.renditions:
        moved = f"images/{CIRCLE_IMAGE_URL.word}/{rendition['name'].rsplit('/', 1)[1]}"
        default_storage.save(moved, default_storage.open(rendition["name"]))
        renditions.append({**rendition, "name": moved})
    image.renditions = renditions
    image.save()
    return image


def _fields(briefing):
    return {f.attname: getattr(briefing, f.attname) for f in Briefing._meta.concrete_fields}


# Clients sign in with force_login: an unusable password spares a second of hashing each.
NO_PASSWORD = "!unusable"


def membership(**kwargs):
    return MembershipFactory(user__password=NO_PASSWORD, **kwargs).user


def audience_readers():
    """One account per audience the audit reads as (None: an anonymous reader)."""
    now = timezone.now()
    readers = {"anonymous": None}
    readers["strategic circle"] = membership(tier=Audience.STRATEGIC_CIRCLE)
    readers["leadership alliance"] = membership(tier=Audience.LEADERSHIP_ALLIANCE)
    readers["lapsed leadership alliance"] = membership(
        tier=Audience.LEADERSHIP_ALLIANCE,
        starts_at=now - timedelta(days=400),
        ends_at=now - timedelta(days=1),
    )
    # An application waiting for review changes the lock card's words, not what is read.
    applicant = membership(tier=Audience.STRATEGIC_CIRCLE)
    ApplicationFactory(user=applicant, tier=Audience.LEADERSHIP_ALLIANCE)
    readers["strategic circle, leadership alliance pending"] = applicant
    readers["leadership alliance from tomorrow"] = membership(
        tier=Audience.LEADERSHIP_ALLIANCE, starts_at=now + timedelta(days=1)
    )
    # A seat on an organisation's licence reads as its tier; a person their administrator
    # removed reads the public parts again, everywhere, at once.
    licence = LicenceFactory(tier=Audience.LEADERSHIP_ALLIANCE, seat_count=2)
    for name in ("seat holder", "removed seat holder"):
        readers[name] = organisation_services.seat_take(
            licence=licence, user=UserFactory(password=NO_PASSWORD), via=Seat.Via.INVITATION
        ).user
    organisation_services.seat_remove(
        seat=readers["removed seat holder"].seats.get(), by=UserFactory(password=NO_PASSWORD)
    )
    # Staff read the public site as their own memberships (none here), whatever their
    # newsroom permissions.
    readers["staff editor"] = StaffFactory(group="editors", password=NO_PASSWORD)
    assert not readers["staff editor"].is_superuser
    return readers


def audience_users():
    """One client per audience the audit reads as, with that reader's audience."""
    clients = {}
    for name, user in audience_readers().items():
        client = Client()
        if user is None:
            clients[name] = (client, Audience.PUBLIC, False)
            continue
        client.force_login(user)
        clients[name] = (client, reader_status(user).audience, True)
    # Keep the audit honest: the readers cover every audience the rule knows.
    assert {audience for _, audience, _ in clients.values()} == set(Audience)
    return clients


LINK_RE = re.compile(r"""(?:href|src|action)\s*=\s*["']([^"']+)["']""", re.I)
XML_LINK_RE = re.compile(r"<(?:loc|link|guid|id)>\s*([^<\s]+)\s*</", re.I)


def local_hosts():
    return {"", "testserver", urlsplit(settings.SITE_URL).netloc}


def links_in(url: str, body: str) -> list[str]:
    found = []
    for raw in LINK_RE.findall(body) + XML_LINK_RE.findall(body):
        target = urljoin(f"http://testserver{url}", unescape(raw))
        parts = urlsplit(target)
        if parts.scheme not in {"http", "https"} or parts.netloc not in local_hosts():
            continue
        path = parts.path
        if path.startswith(SKIPPED_PREFIXES) or any(word in path for word in SKIPPED_WORDS):
            continue
        # Sign-in and membership links differ only by where they send the reader back.
        query = urlencode([pair for pair in parse_qsl(parts.query) if pair[0] != "next"])
        found.append(f"{path}?{query}" if query else path)
    return found


def body_of(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8", errors="replace")


class Audit:
    def __init__(self, name, client, audience, signed_in):
        self.name = name
        self.client = client
        self.audience = audience
        self.signed_in = signed_in
        self.visited: dict[str, int] = {}
        self.leaks: list[str] = []
        self.found: dict[str, str] = {}  # marker word -> first URL it was read on
        self.cacheable: list[str] = []

    def fetch(self, url, *, echoed=()):
        """GET `url`, check it, and return (status, body, location)."""
        response = self.client.get(url)
        body = body_of(response)
        self.visited[url] = response.status_code
        self.inspect(url, response, body, echoed=echoed)
        return response.status_code, body, response.get("Location", "")

    def inspect(self, url, response, body, *, echoed):
        lowered = body.lower()
        for marker in MARKERS:
            count = lowered.count(marker.word)
            # A search page repeats the reader's own query; only more than that counts.
            count -= echoed.get(marker.word, 0) if echoed else 0
            in_headers = [
                name for name, value in response.headers.items() if marker.word in value.lower()
            ]
            if count <= 0 and not in_headers:
                continue
            if may_read(self.audience, marker):
                self.found.setdefault(marker.word, url)
                continue
            if count > 0:
                self.leaks.append(f"{self.name}: {url} body has {marker.word} ({marker.place})")
            for name in in_headers:
                self.leaks.append(
                    f"{self.name}: {url} header {name} has {marker.word} ({marker.place})"
                )
        if self.signed_in:
            directives = response.get("Cache-Control", "").lower()
            tokens = set(re.split(r"[\s,]+", directives))
            if "public" in tokens or not {"private", "no-store"} & tokens:
                self.cacheable.append(f"{self.name}: {url} Cache-Control {directives!r}")

    def crawl(self, seeds):
        queue = deque(seeds)
        while queue:
            url = queue.popleft()
            if url in self.visited:
                continue
            assert len(self.visited) < MAX_PAGES, f"{self.name}: crawl passed {MAX_PAGES} pages"
            status, body, location = self.fetch(url)
            if 300 <= status < 400 and location:
                queue.extend(links_in(url, f'href="{location}"'))
            elif status == 200:
                queue.extend(links_in(url, body))


def crawl_seeds(live, taxonomy):
    seeds = [
        "/",
        reverse("briefings:feed-latest-rss"),
        reverse("briefings:feed-latest-atom"),
        reverse("sitemap"),
        reverse("briefings:list"),
        reverse("briefings:search"),
    ]
    for name, term in taxonomy.items():
        seeds += [
            reverse(f"briefings:{name}", args=[term.slug]),
            reverse(f"briefings:{name}", args=[term.slug]) + "?page=2",
            reverse(f"briefings:feed-{name}-rss", args=[term.slug]),
            reverse(f"briefings:feed-{name}-atom", args=[term.slug]),
        ]
    filters = [
        {"kind": Briefing.Kind.SIGNAL_BRIEF},
        {"kind": Briefing.Kind.ARTICLE},
        {"impact": Briefing.Impact.HIGH},
        {"confidence_min": 0, "confidence_max": 100},
        {name: term.slug for name, term in taxonomy.items()},
        {"page": 2},
        {"page": "last"},
    ]
    for query in filters:
        seeds.append(f"{reverse('briefings:list')}?{urlencode(query)}")
        seeds.append(f"{reverse('briefings:search')}?{urlencode(query)}")
    # Addresses a reader might try to see more than their own audience.
    detail = live.get_absolute_url()
    top = Audience.LEADERSHIP_ALLIANCE.slug
    seeds += [f"{detail}?{urlencode({name: top})}" for name in ("audience", "preview", "as")]
    seeds += [reverse("members:tier", args=[audience.slug]) for audience in access.TIERS]
    return seeds


def search_url(word, **facets):
    return f"{reverse('briefings:search')}?{urlencode({'q': word, **facets})}"


def test_no_marker_reaches_an_audience_that_may_not_read_it(settings):
    # The audit covers the site as readers get it; rate limits are not its subject.
    cache.clear()
    live, hidden, taxonomy = build_content()
    clients = audience_users()
    seeds = crawl_seeds(live, taxonomy)

    leaks, cacheable, missing, not_found_errors = [], [], [], []
    for name, (client, audience, signed_in) in clients.items():
        audit = Audit(name, client, audience, signed_in)
        audit.crawl(seeds)

        # Search: the query's own echo is subtracted, measured with a word in nothing.
        _, absent_body, _ = audit.fetch(search_url(ABSENT_WORD))
        echo = absent_body.lower().count(ABSENT_WORD)
        for marker in MARKERS:
            audit.fetch(search_url(marker.word), echoed={marker.word: echo})
        for marker in (CIRCLE_SECTION, ALLIANCE_SECTION, SOURCE_NOTE):
            facets = {"kind": Briefing.Kind.SIGNAL_BRIEF, "confidence_min": 50}
            audit.fetch(search_url(marker.word, **facets), echoed={marker.word: echo})

        # Unpublished briefings are a plain 404, and the error page carries none of them.
        for slug in hidden:
            status, _, _ = audit.fetch(reverse("briefings:detail", args=[slug]))
            if status != 404:
                not_found_errors.append(f"{name}: /briefings/{slug}/ answered {status}")

        # Non-staff reach the admin's preview only as far as its sign-in guard.
        if not name.startswith("staff"):
            for pk in Briefing.objects.values_list("pk", flat=True):
                top = Audience.LEADERSHIP_ALLIANCE.slug
                audit.fetch(reverse("admin:briefings_briefing_preview", args=[pk, top]))

        leaks += audit.leaks
        cacheable += audit.cacheable
        for marker in MARKERS:
            if may_read(audience, marker) and marker.word not in audit.found:
                missing.append(f"{name}: never read {marker.word} ({marker.place})")
        # The briefing page itself carries each readable part (not only search).
        detail = live.get_absolute_url()
        assert detail in audit.visited, f"{name}: the crawl never reached {detail}"

    assert not leaks, "Gated text reached readers who may not read it:\n" + "\n".join(leaks)
    assert not cacheable, "Signed-in pages a shared cache may keep:\n" + "\n".join(cacheable)
    assert not not_found_errors, "\n".join(not_found_errors)
    assert not missing, "The crawl never reached readable text:\n" + "\n".join(missing)


def test_each_audience_reads_its_own_parts_on_the_briefing_page():
    """The positive side on the page itself: each reader gets exactly their parts there."""
    cache.clear()
    live, _, _ = build_content()
    clients = audience_users()
    for name, (client, audience, _) in clients.items():
        body = body_of(client.get(live.get_absolute_url())).lower()
        for marker in (
            PUBLIC_SECTION,
            CIRCLE_SECTION,
            ALLIANCE_SECTION,
            SOURCE_NOTE,
            HISTORY,
            PENDING,
            AUTOSAVE,
            SEARCH_META,
        ):
            assert (marker.word in body) == may_read(audience, marker), (name, marker.place)


def test_each_account_reads_exactly_its_parts_in_its_private_feed():
    """
    The private feed channel (delivery.feeds): an account's feed carries each briefing as
    its e-mail would, with exactly the parts its audience reads now, in RSS and in Atom;
    an ended membership reads the public version; a revoked address carries nothing.
    Anonymous readers have no private feed.
    """
    cache.clear()
    build_content()
    for name, user in audience_readers().items():
        if user is None:
            continue
        audience = reader_status(user).audience
        token = private_feed_create(user=user).token
        for format_name in FORMATS:
            url = reverse(f"delivery:private-feed-{format_name}", args=[token])
            response = Client().get(url)
            assert response.status_code == 200, (name, format_name)
            body = body_of(response).lower()
            for marker in MARKERS:
                found = marker.word in body
                assert found == may_read(audience, marker), (name, format_name, marker.place)
            assert token.lower() not in "".join(response.headers.values()).lower()
        private_feed_revoke(user=user, feed_id=user.private_feeds.get().pk)
        refused = body_of(Client().get(reverse("delivery:private-feed-rss", args=[token])))
        assert not [marker for marker in MARKERS if marker.word in refused.lower()], name
