"""The one rendering every channel uses holds exactly the reader's parts."""

import pytest

from briefings.reading import reader_briefing_queryset
from delivery.rendering import ChannelRenderer
from members.access import Audience, ReaderStatus
from tests.factories import gated_briefing

pytestmark = pytest.mark.django_db

PUBLIC, CIRCLE, ALLIANCE, NOTE = "PUBLIC-MARK", "CIRCLE-MARK", "ALLIANCE-MARK", "NOTE-MARK"


def reader(audience, *, lapsed=()):
    return ReaderStatus(audience=audience, is_authenticated=True, lapsed=frozenset(lapsed))


@pytest.fixture
def briefing():
    return gated_briefing(public=PUBLIC, circle=CIRCLE, alliance=ALLIANCE, note=NOTE)


@pytest.mark.parametrize(
    ("status", "present", "absent"),
    [
        (ReaderStatus(), [PUBLIC], [CIRCLE, ALLIANCE, NOTE]),
        (
            reader(Audience.PUBLIC, lapsed={Audience.STRATEGIC_CIRCLE}),
            [PUBLIC],
            [CIRCLE, ALLIANCE, NOTE],
        ),
        (reader(Audience.STRATEGIC_CIRCLE), [PUBLIC, CIRCLE], [ALLIANCE, NOTE]),
        (reader(Audience.LEADERSHIP_ALLIANCE), [PUBLIC, CIRCLE, ALLIANCE, NOTE], []),
    ],
)
def test_each_reader_gets_exactly_their_parts_in_html_and_text(briefing, status, present, absent):
    rendering = ChannelRenderer().briefing(briefing.pk, status)
    for part in (rendering.html, rendering.text):
        for marker in present:
            assert marker in part
        for marker in absent:
            assert marker not in part
    assert rendering.url.endswith(briefing.get_absolute_url())


def test_lock_cards_link_to_the_site_with_full_addresses(briefing, settings):
    settings.SITE_URL = "https://briefings.example.com"
    rendering = ChannelRenderer().briefing(briefing.pk, reader(Audience.STRATEGIC_CIRCLE))
    assert rendering.reading.lock_cards
    assert 'href="https://briefings.example.com/membership/leadership-alliance/' in rendering.html


def test_a_briefing_that_is_not_live_renders_nothing(briefing):
    briefing.status = briefing.Status.DRAFT
    briefing.save()
    assert ChannelRenderer().briefing(briefing.pk, ReaderStatus()) is None


def test_one_fetch_per_audience_and_one_rendering_per_reader_state(
    briefing, django_assert_num_queries
):
    renderer = ChannelRenderer()
    # The briefing, its sections, its citations; the tier wording for the lock card.
    with django_assert_num_queries(4):
        renderer.briefing(briefing.pk, reader(Audience.STRATEGIC_CIRCLE))
    with django_assert_num_queries(0):
        renderer.briefing(briefing.pk, reader(Audience.STRATEGIC_CIRCLE))


def test_a_briefing_fetched_in_one_go_renders_the_same_and_is_remembered(
    briefing, django_assert_num_queries
):
    status = reader(Audience.STRATEGIC_CIRCLE)
    [fetched] = reader_briefing_queryset(status.audience).filter(pk=briefing.pk)
    renderer = ChannelRenderer()
    with django_assert_num_queries(1):  # the tier wording for the lock card, then cached
        rendering = renderer.fetched(fetched, status)
    assert rendering.html == ChannelRenderer().briefing(briefing.pk, status).html
    with django_assert_num_queries(0):
        assert renderer.briefing(briefing.pk, status) is rendering


def test_a_briefing_fetched_for_a_wider_audience_still_renders_only_the_readers_parts(briefing):
    [everything] = reader_briefing_queryset(Audience.LEADERSHIP_ALLIANCE).filter(pk=briefing.pk)
    rendering = ChannelRenderer().fetched(everything, reader(Audience.STRATEGIC_CIRCLE))
    assert CIRCLE in rendering.html
    assert ALLIANCE not in rendering.html and NOTE not in rendering.html
