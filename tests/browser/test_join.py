"""An anonymous reader joins Strategic Circle from a gated briefing and reads on, unlocked."""

import re

import pytest
from django.core import mail
from django.core.cache import cache

from members.access import Audience
from tests.browser.conftest import PHONE, open_page
from tests.factories import BriefingFactory, SectionFactory, members_migration_data

CIRCLE_TEXT = "Quokkacirclemarker trend context for Strategic Circle members."
ALLIANCE_TEXT = "Narwhalalliancemarker failure paths for Leadership Alliance members."


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
    briefing = BriefingFactory(title="HKSTP and SenseTime demo briefing")
    SectionFactory(briefing=briefing, position=1, heading="The fact", body="Public demo text.")
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
    path = briefing.get_absolute_url()

    page.goto(path)
    assert "Quokkacirclemarker" not in page.content()
    # The Strategic Circle lock card's button.
    page.get_by_role("link", name="Join Strategic Circle").click()
    page.wait_for_url(re.compile(r"/accounts/signup/\?next="))

    page.get_by_label("E-mail address").fill("new.member@example.org")
    page.get_by_role("button", name=re.compile("Sign up|Join", re.I)).click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/"))

    [message] = mail.outbox
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", message.body, re.MULTILINE).group(1)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name=re.compile("Confirm|Verify", re.I)).click()

    page.wait_for_url(f"**{path}")
    body = page.content()
    assert "Quokkacirclemarker" in body
    assert "Narwhalalliancemarker" not in body
    assert page.console_errors == []
