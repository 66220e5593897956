"""
An editor's image in the browser: uploaded to the library in admin, placed in a Strategic
Circle section by its snippet, published; an anonymous reader's page has no trace of it,
a Strategic Circle member's page shows it, loaded from the site's own media under the CSP.
"""

import pytest

from briefings.images.models import Image
from briefings.models import Briefing
from members.access import Audience
from tests.browser.conftest import DESKTOP, open_page
from tests.browser.helpers import force_sign_in
from tests.browser.test_newsroom import signed_in_page
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    StaffFactory,
    UserFactory,
    image_bytes,
    ready_briefing,
)

ALT = "Demo chart of the grid connection queue by region"
CIRCLE_TEXT = "Demo trend context for Strategic Circle members."


@pytest.mark.django_db(transaction=True)
def test_an_uploaded_image_in_a_circle_section_reaches_members_only(
    chromium, live_server, tmp_path
):
    editor = StaffFactory(group="editors")
    briefing = ready_briefing(title="Grid queues lengthen", category=CategoryFactory())
    context, page = signed_in_page(chromium, live_server, editor)

    # A file named like a photo that is not one is refused, with the reason.
    fake = tmp_path / "chart.jpg"
    fake.write_bytes(b"MZ\x90\x00 not an image at all")
    page.goto("/admin/briefings/image/add/")
    page.set_input_files("#id_upload", str(fake))
    page.fill("#id_title", "Queue chart")
    page.fill("#id_alt_text", ALT)
    page.get_by_role("button", name="Save", exact=True).click()
    assert "whatever its name says" in page.locator(".errorlist").inner_text()
    assert not Image.objects.exists()

    photo = tmp_path / "queue-chart.png"
    photo.write_bytes(image_bytes(1400, 800, "PNG"))
    page.set_input_files("#id_upload", str(photo))
    page.fill("#id_alt_text", ALT)
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url("**/admin/briefings/image/")
    snippet = page.locator("input.image-snippet").first.input_value()
    assert snippet == "![](image:queue-chart)"

    page.goto(f"/admin/briefings/briefing/{briefing.pk}/change/")
    page.get_by_role("button", name="Add another Section").click()
    page.fill("#id_sections-1-heading", "Deeper Trend Context")
    page.select_option("#id_sections-1-audience", str(int(Audience.STRATEGIC_CIRCLE)))
    page.fill("#id_sections-1-body", f"{CIRCLE_TEXT}\n\n{snippet}")
    page.get_by_role("button", name="Save and publish").click()
    page.wait_for_url("**/change/")
    assert "is published" in page.locator(".messagelist").inner_text()
    assert page.console_errors == []
    context.close()
    briefing.refresh_from_db()
    assert briefing.status == Briefing.Status.PUBLISHED
    image = Image.objects.get()
    folder = image.renditions[0]["name"].split("/")[1]

    anonymous_context, anonymous = open_page(chromium, live_server, viewport=DESKTOP)
    anonymous.goto(briefing.get_absolute_url())
    html = anonymous.content()
    assert CIRCLE_TEXT not in html and folder not in html and ALT not in html
    assert anonymous.locator(".lock-card, .lock").count() >= 1
    anonymous_context.close()

    member = UserFactory()
    MembershipFactory(user=member, tier=Audience.STRATEGIC_CIRCLE)
    member_context, reader = open_page(chromium, live_server, viewport=DESKTOP)
    force_sign_in(member_context, live_server, member)
    reader.goto(briefing.get_absolute_url())
    picture = reader.get_by_role("img", name=ALT)
    picture.scroll_into_view_if_needed()
    # The browser chose a modern rendition from the srcset and the site served it.
    reader.wait_for_function(
        "alt => { const i = [...document.images].find(i => i.alt === alt);"
        " return i && i.complete && i.naturalWidth > 0; }",
        arg=ALT,
    )
    chosen = picture.evaluate("i => i.currentSrc")
    assert folder in chosen and chosen.endswith((".avif", ".webp"))
    assert CIRCLE_TEXT in reader.locator("main").inner_text()
    assert reader.console_errors == []
    member_context.close()
