import pytest

from tests import factories

# Marker words that cannot appear on a page by accident.
PUBLIC_TEXT = "Zanzibarpublicmarker text anyone may read."
CIRCLE_TEXT = "Quokkacirclemarker text for Strategic Circle members."
ALLIANCE_TEXT = "Narwhalalliancemarker text for Leadership Alliance members."
NOTE_TEXT = "Axolotlnotemarker source note for Leadership Alliance members."


@pytest.fixture
def gated_briefing(db):
    return factories.gated_briefing(
        title="HKSTP demo briefing",
        summary="A public summary of the demo.",
        public=PUBLIC_TEXT,
        circle=CIRCLE_TEXT,
        alliance=ALLIANCE_TEXT,
        note=NOTE_TEXT,
    )
