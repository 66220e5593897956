import pytest
from django.core.cache import cache

from members.access import Audience
from tests.factories import BriefingFactory, CitationFactory, SectionFactory

# Marker words that cannot appear on a page by accident.
PUBLIC_TEXT = "Zanzibarpublicmarker text anyone may read."
CIRCLE_TEXT = "Quokkacirclemarker text for Strategic Circle members."
ALLIANCE_TEXT = "Narwhalalliancemarker text for Leadership Alliance members."
NOTE_TEXT = "Axolotlnotemarker source note for Leadership Alliance members."


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # allauth keeps rate-limit counters in the cache; each test starts with none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def gated_briefing(db):
    briefing = BriefingFactory(title="HKSTP demo briefing", summary="A public summary of the demo.")
    SectionFactory(briefing=briefing, position=1, heading="The fact", body=PUBLIC_TEXT)
    SectionFactory(
        briefing=briefing,
        position=2,
        heading="Deeper Trend Context",
        body=CIRCLE_TEXT,
        audience=Audience.STRATEGIC_CIRCLE,
    )
    SectionFactory(
        briefing=briefing,
        position=3,
        heading="Failure paths",
        body=ALLIANCE_TEXT,
        audience=Audience.LEADERSHIP_ALLIANCE,
    )
    CitationFactory(briefing=briefing, note=NOTE_TEXT)
    return briefing
