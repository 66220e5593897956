"""
The briefing change form warns before leaving with unsaved changes (a `beforeunload`
dialog), and not after they are saved; under the admin's strict CSP.
"""

import pytest

from briefings.models import Briefing
from tests.browser.helpers import problems
from tests.browser.test_newsroom import signed_in_page
from tests.factories import StaffFactory, ready_briefing


@pytest.mark.django_db(transaction=True)
def test_leaving_with_unsaved_changes_asks_first_and_saving_clears_it(chromium, live_server):
    editor = StaffFactory(group="editors")
    briefing = ready_briefing(title="Harbour cranes")
    context, page = signed_in_page(chromium, live_server, editor)
    dialogs = []

    def stay(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()  # "Stay on page"

    page.on("dialog", stay)
    change = f"/admin/briefings/briefing/{briefing.pk}/change/"
    page.goto(change)
    title = page.locator("#id_title")
    title.click()
    title.press("End")
    title.press_sequentially(" go remote")
    page.locator(".breadcrumbs a[href$='/briefings/briefing/']").click()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert page.url.endswith(change)  # stayed, with the typing still there
    assert title.input_value() == "Harbour cranes go remote"

    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_load_state()
    assert page.locator(".messagelist").count() == 1
    assert Briefing.objects.get(pk=briefing.pk).title == "Harbour cranes go remote"
    page.locator("#id_title").click()  # a click is not a change
    page.locator(".breadcrumbs a[href$='/briefings/briefing/']").click()
    page.wait_for_url("**/briefings/briefing/")
    assert dialogs == ["beforeunload"]  # none on submitting, none after saving
    assert problems(page) == []
    context.close()
