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
