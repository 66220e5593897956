"""briefings.reading: what a reader may see, fetched without gated text."""

import pytest

from briefings.reading import GATED_SECTION_CLASS, briefing_for_reader, reader_briefing_queryset
from members.access import Audience, LockAction
from tests.factories import BriefingFactory, CitationFactory, SectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def briefing():
    briefing = BriefingFactory()
    SectionFactory(briefing=briefing, body="Public.", audience=Audience.PUBLIC)
    SectionFactory(briefing=briefing, body="Circle.", audience=Audience.STRATEGIC_CIRCLE)
    SectionFactory(briefing=briefing, body="Alliance.", audience=Audience.LEADERSHIP_ALLIANCE)
    CitationFactory(briefing=briefing, note="Secret note.")
    return briefing


def fetch(briefing, audience):
    return reader_briefing_queryset(audience).get(pk=briefing.pk)


def test_gated_sections_and_notes_are_not_even_fetched_for_the_public(briefing):
    fetched = fetch(briefing, Audience.PUBLIC)
    assert [s.body for s in fetched.sections.all()] == ["Public."]
    citation = fetched.citations.all()[0]
    assert {"note", "note_html"} <= citation.get_deferred_fields()


def test_annotations_tell_which_gated_parts_exist_without_their_text(briefing):
    fetched = fetch(briefing, Audience.PUBLIC)
    assert fetched.gated_audiences() == {
        Audience.STRATEGIC_CIRCLE,
        Audience.LEADERSHIP_ALLIANCE,
    }


def test_reader_briefing_for_each_audience(briefing):
    public = briefing_for_reader(fetch(briefing, Audience.PUBLIC), audience=Audience.PUBLIC)
    assert [s.html for s in public.sections] == ["<p>Public.</p>"]
    assert [c.tier for c in public.lock_cards] == [
        Audience.STRATEGIC_CIRCLE,
        Audience.LEADERSHIP_ALLIANCE,
    ]
    assert [c.action for c in public.lock_cards] == [LockAction.JOIN, LockAction.APPLY]
    assert public.citations[0].note_html == ""

    circle = briefing_for_reader(
        fetch(briefing, Audience.STRATEGIC_CIRCLE),
        audience=Audience.STRATEGIC_CIRCLE,
        is_authenticated=True,
        next_path="/briefings/x/",
    )
    assert [s.html for s in circle.member_sections] == ["<p>Circle.</p>"]
    assert GATED_SECTION_CLASS in circle.member_sections[0].css_class
    assert GATED_SECTION_CLASS not in circle.public_sections[0].css_class
    (card,) = circle.lock_cards
    assert (card.tier, card.action, card.label) == (
        Audience.LEADERSHIP_ALLIANCE,
        LockAction.APPLY,
        "Apply for Leadership Alliance",
    )
    assert card.url == (
        f"/membership/leadership-alliance/?next=%2Fbriefings%2Fx%2F&from={briefing.pk}%3Aleadership-alliance"
    )
    assert card.sign_in_url == ""

    alliance = briefing_for_reader(
        fetch(briefing, Audience.LEADERSHIP_ALLIANCE), audience=Audience.LEADERSHIP_ALLIANCE
    )
    assert alliance.is_fully_readable
    assert alliance.citations[0].note_html == "<p>Secret note.</p>"


def test_a_wrongly_prefetched_briefing_still_shows_only_what_the_reader_may_read(briefing):
    everything = fetch(briefing, Audience.LEADERSHIP_ALLIANCE)
    public = briefing_for_reader(everything, audience=Audience.PUBLIC)
    assert [s.html for s in public.sections] == ["<p>Public.</p>"]
    assert public.citations[0].note_html == ""


def test_lock_cards_without_the_annotations(briefing):
    # A view that fetches the briefing its own way (staff preview) still gets lock cards.
    from briefings.models import Briefing

    plain = Briefing.objects.get(pk=briefing.pk)
    assert plain.gated_audiences() == {Audience.STRATEGIC_CIRCLE, Audience.LEADERSHIP_ALLIANCE}
    public = briefing_for_reader(plain, audience=Audience.PUBLIC)
    assert [c.tier for c in public.lock_cards] == [
        Audience.STRATEGIC_CIRCLE,
        Audience.LEADERSHIP_ALLIANCE,
    ]
    assert [s.html for s in public.sections] == ["<p>Public.</p>"]
