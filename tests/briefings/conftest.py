"""
A briefing with a distinct word in each part, and clients for each audience, so tests can
show that every discovery channel carries exactly the words its reader may read.
"""

import itertools

import pytest

from briefings.search import briefings_reindex
from members.access import Audience
from tests.factories import (
    BriefingFactory,
    CitationFactory,
    MembershipFactory,
    SectionFactory,
    StaffFactory,
    UserFactory,
)

PUBLIC_WORD = "heliotrope"  # a public section
SUMMARY_WORD = "juniper"  # the public summary
CIRCLE_WORD = "marzipan"  # a Strategic Circle section
ALLIANCE_WORD = "obsidian"  # a Leadership Alliance section
NOTE_WORD = "tamarind"  # a source note (Leadership Alliance only)

# Which marker words each audience may read.
READABLE = {
    Audience.PUBLIC: {PUBLIC_WORD, SUMMARY_WORD},
    Audience.STRATEGIC_CIRCLE: {PUBLIC_WORD, SUMMARY_WORD, CIRCLE_WORD},
    Audience.LEADERSHIP_ALLIANCE: {
        PUBLIC_WORD,
        SUMMARY_WORD,
        CIRCLE_WORD,
        ALLIANCE_WORD,
        NOTE_WORD,
    },
}
GATED_WORDS = {CIRCLE_WORD, ALLIANCE_WORD, NOTE_WORD}
ALL_WORDS = READABLE[Audience.LEADERSHIP_ALLIANCE]


_numbers = itertools.count()


def build_marked_briefing(**kwargs):
    kwargs.setdefault("slug", f"marked-briefing-{next(_numbers)}")
    briefing = BriefingFactory(
        title=kwargs.pop("title", "Harbour cranes automate the container terminal"),
        summary=f"Port operators report a {SUMMARY_WORD} shift in terminal automation.",
        **kwargs,
    )
    SectionFactory(
        briefing=briefing,
        heading="The fact",
        body=f"Terminal operators describe a {PUBLIC_WORD} rollout of remote cranes.",
        audience=Audience.PUBLIC,
    )
    SectionFactory(
        briefing=briefing,
        heading="Deeper trend context",
        body=f"Demo member text: the {CIRCLE_WORD} trend spans three ports.",
        audience=Audience.STRATEGIC_CIRCLE,
    )
    SectionFactory(
        briefing=briefing,
        heading="Failure paths",
        body=f"Demo alliance text: the {ALLIANCE_WORD} failure path runs through suppliers.",
        audience=Audience.LEADERSHIP_ALLIANCE,
    )
    CitationFactory(briefing=briefing, note=f"Demo note: the {NOTE_WORD} figure is unaudited.")
    briefings_reindex(briefing_ids=[briefing.pk])
    return briefing


@pytest.fixture
def marked_briefing(db):
    return build_marked_briefing()


def login_as(client, audience):
    """Sign `client` in as a reader whose memberships give `audience`."""
    if audience == Audience.PUBLIC:
        return client
    user = UserFactory()
    MembershipFactory(user=user, tier=audience)
    client.force_login(user)
    return client


@pytest.fixture(params=list(Audience), ids=lambda audience: audience.slug)
def audience(request):
    return request.param


@pytest.fixture
def reader(client, audience, db):
    return login_as(client, audience)


@pytest.fixture
def editor():
    """A member of the editors group (may publish); tests that sign one in define their own."""
    return StaffFactory(group="editors")


@pytest.fixture
def writer():
    """A member of the writers group (may draft and submit, not publish)."""
    return StaffFactory(group="writers")
