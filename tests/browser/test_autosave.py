"""
The change form autosaves as an editor types, says so, and what was typed survives a
reload: a draft's into the editor's own autosave, a live briefing's into its pending
change, which readers never see. The search and sharing preview follows the typing.
Under the admin's strict CSP (static scripts only).
"""

import pytest
from django.utils import timezone

from briefings import workflow
from briefings.autosave import Autosave
from briefings.models import Briefing, PendingChange
from tests.browser.helpers import problems
from tests.browser.test_newsroom import signed_in_page
from tests.browser.test_pending_changes import public_text
from tests.factories import StaffFactory, ready_briefing

TYPED = "Typed, never saved by hand: the cranes run remotely at night."


@pytest.fixture
def quick_autosave(settings):
    settings.NEWSROOM_AUTOSAVE_SECONDS = 1


def wait_for_autosave(page):
    page.wait_for_function(
        "() => document.getElementById('autosave-status').dataset.state === 'saved'"
    )
    assert page.locator("#autosave-status").inner_text().startswith("Saved at ")


@pytest.mark.django_db(transaction=True)
def test_a_drafts_typing_is_autosaved_and_comes_back_after_a_reload(
    chromium, live_server, quick_autosave
):
    writer = StaffFactory(group="writers")
    briefing = ready_briefing(title="Harbour cranes")
    context, page = signed_in_page(chromium, live_server, writer)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    change = f"/admin/briefings/briefing/{briefing.pk}/change/"
    page.goto(change)

    page.fill("#id_sections-0-body", TYPED)
    wait_for_autosave(page)
    assert Autosave.objects.get(briefing=briefing, user=writer).data["sections"][0]["body"] == TYPED
    assert Briefing.objects.get(pk=briefing.pk).sections.get().body == "Public text."

    page.reload()  # autosaved is safe: no "leave the page?" question
    assert dialogs == []
    assert page.locator("#id_sections-0-body").input_value() == TYPED
    notice = page.locator(".newsroom-autosave-notice").inner_text()
    assert "Your autosaved changes, not saved yet" in notice

    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_url(f"**{change}")
    assert Briefing.objects.get(pk=briefing.pk).sections.get().body == TYPED
    assert not Autosave.objects.exists()
    assert page.locator(".newsroom-autosave-notice").count() == 0
    assert problems(page) == []
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_live_briefings_typing_is_autosaved_as_its_changes_and_readers_see_none(
    chromium, live_server, quick_autosave
):
    editor = StaffFactory(group="editors")
    briefing = ready_briefing(title="Harbour cranes go remote", summary="Cranes, remotely.")
    workflow.briefing_publish(briefing=briefing, by=editor, at=timezone.now())
    before = public_text(chromium, live_server, briefing)
    context, page = signed_in_page(chromium, live_server, editor)
    page.goto(f"/admin/briefings/briefing/{briefing.pk}/change/")

    # The preview follows the typing, with the title and summary standing in.
    result_title = page.locator("[data-preview='result-title']")
    assert result_title.inner_text().startswith("Harbour cranes go remote · ")
    page.fill("#id_meta_title", "Remote cranes at the harbour")
    assert result_title.inner_text() == "Remote cranes at the harbour"
    assert page.locator("[data-preview='card-title']").inner_text() == (
        "Remote cranes at the harbour"
    )
    assert "characters" in page.locator("#counter-meta_title").inner_text()
    page.fill("#id_meta_description", "x " * 90)
    assert page.locator("#counter-meta_description").get_attribute("data-state") == "long"
    page.fill("#id_sections-0-body", TYPED)
    wait_for_autosave(page)

    change = PendingChange.objects.get(briefing=briefing)
    assert change.data["sections"][0]["body"] == TYPED
    assert change.data["fields"]["meta_title"] == "Remote cranes at the harbour"
    assert public_text(chromium, live_server, briefing) == before

    # Bad input: said, and nothing lost.
    page.fill("#id_title", "")
    page.wait_for_function(
        "() => document.getElementById('autosave-status').dataset.state === 'error'"
    )
    status = page.locator("#autosave-status").inner_text()
    assert status.startswith("Couldn't save — your changes are kept in this page.")
    assert "Title" in status
    page.fill("#id_title", "Harbour cranes go remote at night")
    wait_for_autosave(page)

    page.reload()
    assert page.locator("#id_sections-0-body").input_value() == TYPED
    assert page.locator("#id_title").input_value() == "Harbour cranes go remote at night"
    assert "These changes are not live yet" in page.locator(".newsroom-pending").inner_text()
    assert public_text(chromium, live_server, briefing) == before
    # The one error is the refused autosave's answer, which the browser logs.
    assert problems(page) == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]
    context.close()


@pytest.mark.django_db(transaction=True)
def test_hiding_the_page_autosaves_at_once(chromium, live_server, settings):
    settings.NEWSROOM_AUTOSAVE_SECONDS = 600  # only hiding the page saves in this test
    writer = StaffFactory(group="writers")
    briefing = ready_briefing(title="Harbour cranes")
    context, page = signed_in_page(chromium, live_server, writer)
    page.goto(f"/admin/briefings/briefing/{briefing.pk}/change/")
    page.fill("#id_sections-0-body", TYPED)
    assert not Autosave.objects.exists()

    # Another tab, or the window closed: the browser says the page is hidden.
    page.evaluate(
        """() => {
          Object.defineProperty(document, "visibilityState", {value: "hidden", configurable: true});
          document.dispatchEvent(new Event("visibilitychange"));
        }"""
    )
    wait_for_autosave(page)
    assert Autosave.objects.get(briefing=briefing).data["sections"][0]["body"] == TYPED
    assert problems(page) == []
    context.close()


@pytest.mark.django_db(transaction=True)
def test_saving_while_an_autosave_is_on_its_way_waits_for_it_and_is_no_conflict(
    chromium, live_server, quick_autosave
):
    editor = StaffFactory(group="editors")
    briefing = ready_briefing(title="Harbour cranes go remote")
    workflow.briefing_publish(briefing=briefing, by=editor, at=timezone.now())
    context, page = signed_in_page(chromium, live_server, editor)
    held = []
    page.route("**/autosave/", lambda route: held.append(route))
    page.goto(f"/admin/briefings/briefing/{briefing.pk}/change/")
    page.fill("#id_sections-0-body", TYPED)
    for _ in range(200):  # until the browser hands the autosave to the route
        if held:
            break
        page.wait_for_timeout(50)
    assert len(held) == 1

    # Pressed while the autosave (which raises the version) is still on its way.
    page.get_by_role("button", name="Save and continue editing").click(no_wait_after=True)
    assert page.evaluate("() => document.readyState") == "complete"  # still this page
    assert not PendingChange.objects.exists()  # nothing posted while the autosave is held
    held[0].continue_()
    page.wait_for_selector(".messagelist")
    assert "saved but not live yet" in page.locator(".messagelist").inner_text()
    assert page.locator(".newsroom-conflict").count() == 0
    assert PendingChange.objects.get(briefing=briefing).data["sections"][0]["body"] == TYPED
    assert problems(page) == []
    context.close()
