"""An anonymous reader joins Strategic Circle from a gated briefing and reads on, unlocked."""

import re

import pytest
from django.core import mail
from django.core.cache import cache

from tests.browser.conftest import PHONE, open_page
from tests.browser.helpers import gated_briefing, sign_up_with_code
from tests.factories import members_migration_data


@pytest.fixture
def no_script_phone(chromium, live_server):
    """A phone with JavaScript switched off: joining must work with plain HTML forms."""
    context, page = open_page(
        chromium, live_server, viewport=PHONE, is_mobile=True, java_script_enabled=False
    )
    yield page
    context.close()


@pytest.mark.django_db(transaction=True)
def test_join_strategic_circle_from_a_briefing_and_see_the_section(page):
    join_and_read(page)


@pytest.mark.django_db(transaction=True)
def test_joining_works_on_a_phone_without_javascript(no_script_phone):
    join_and_read(no_script_phone)


def join_and_read(page):
    cache.clear()
    members_migration_data()
    mail.outbox = []
    briefing = gated_briefing(title="HKSTP and SenseTime demo briefing")
    path = briefing.get_absolute_url()

    page.goto(path)
    assert "Quokkacirclemarker" not in page.content()
    # The Strategic Circle lock card's button.
    page.locator(".lock-card").get_by_role("link", name="Join Strategic Circle").click()
    page.wait_for_url(re.compile(r"/accounts/signup/\?next="))
    sign_up_with_code(page, "new.member@example.org")
    assert len(mail.outbox) == 1

    page.wait_for_url(f"**{path}#unlocked-strategic-circle")
    body = page.content()
    assert "Quokkacirclemarker" in body
    assert "Narwhalalliancemarker" not in body
    assert page.console_errors == []
