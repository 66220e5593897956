"""
An editor imports a .zip of briefing files from the admin, in the browser: the bad file
in it is reported with its reason, the others are imported and listed. The admin runs
under the site's strict CSP, so any violation fails the test through the console errors.
"""

import io
import zipfile

import pytest

from briefings.models import Briefing
from tests.briefings.test_importing import GOOD
from tests.browser.helpers import csp_violations
from tests.browser.test_newsroom import signed_in_page
from tests.factories import StaffFactory

SECOND = GOOD.replace("title: HKSTP", "title: Second look at HKSTP")
# An executable renamed .md: NUL bytes in its first line.
RENAMED_EXECUTABLE = b"\x7fELF\x02\x01\x01\x00" + bytes(range(256))


def zip_of(members: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.django_db(transaction=True)
def test_editor_imports_a_zip_with_one_bad_file(chromium, live_server):
    editor = StaffFactory(group="editors")
    context, page = signed_in_page(chromium, live_server, editor)
    archive = zip_of({"a.md": GOOD, "tool.md": RENAMED_EXECUTABLE, "b.md": SECOND})

    page.goto("/admin/briefings/briefing/")
    page.get_by_role("link", name="Import briefings").click()
    page.wait_for_url("**/import/")
    page.get_by_label("Files").set_input_files(
        [{"name": "newsroom.zip", "mimeType": "application/zip", "buffer": archive}]
    )
    page.get_by_role("button", name="Import").click()
    page.wait_for_url("**/import/report/")

    content = page.locator("#content-main")
    assert "Import finished: 2 created, 0 updated, 0 skipped, 1 failed." in content.inner_text()
    failed = page.locator(".newsroom-import-report__failed")
    assert failed.count() == 1
    assert "newsroom.zip/tool.md, line 1: binary data" in failed.inner_text()
    assert page.locator(".newsroom-import-report__created").count() == 2
    assert Briefing.objects.count() == 2

    page.get_by_role("link", name="All briefings").click()
    listed = page.locator("#result_list").inner_text()
    assert "HKSTP and SenseTime partner" in listed
    assert "Second look at HKSTP" in listed
    assert page.console_errors == []
    assert csp_violations(page) == []
    context.close()
