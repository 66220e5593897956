import pytest
from django.core.management import call_command

from tests.briefings.helpers import SEED_001_SLUG
from tests.browser.helpers import no_horizontal_scroll

URL = f"/briefings/{SEED_001_SLUG}/"


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", verbosity=0)


def test_seed_briefing_on_a_phone(demo, phone_page):
    response = phone_page.goto(URL)
    assert response.status == 200
    assert no_horizontal_scroll(phone_page)
    assert phone_page.get_by_role("heading", name="Member Briefing").is_visible()
    join = phone_page.locator(".lock-card").get_by_role("link", name="Join Strategic Circle")
    assert join.is_visible()
    assert "/accounts/signup/?next=" in join.get_attribute("href")
    assert phone_page.console_errors == []


def test_seed_briefing_on_a_desktop_puts_the_fact_file_beside_the_text(demo, page):
    page.goto(URL)
    fact_file = page.locator(".fact-file").bounding_box()
    body = page.locator(".briefing__body").first.bounding_box()
    assert fact_file["x"] > body["x"] + body["width"]
    assert page.console_errors == []


def test_home_and_list_on_a_phone(demo, phone_page):
    for url in ("/", "/briefings/?kind=signal-brief", "/coverage/category/datacenter/"):
        assert phone_page.goto(url).status == 200
        assert no_horizontal_scroll(phone_page), url
    assert phone_page.console_errors == []


def test_filters_work_without_javascript(demo, chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/briefings/")
    page.select_option("#id_kind", "article")
    page.get_by_role("button", name="Apply filters").click()
    assert "kind=article" in page.url
    kinds = {text.strip() for text in page.locator(".card__kind").all_text_contents()}
    assert kinds == {"Article"}
    context.close()


def test_on_a_phone_the_list_filters_fold_away_until_asked_for(demo, phone_page):
    phone_page.goto("/briefings/")
    viewport = phone_page.viewport_size["height"]
    assert not phone_page.locator("#id_kind").is_visible()
    summary = phone_page.get_by_text("Filters", exact=True)
    assert summary.is_visible()
    # The first briefing shows on the first screen, not seven filters.
    assert phone_page.locator(".card").first.bounding_box()["y"] < viewport
    summary.click()
    phone_page.select_option("#id_kind", "article")
    phone_page.get_by_role("button", name="Apply filters").click()
    assert "kind=article" in phone_page.url
    assert phone_page.get_by_text("Filters (1 on)").is_visible()
    assert no_horizontal_scroll(phone_page)
    assert phone_page.console_errors == []


def test_on_a_desktop_the_list_filters_stand_open(demo, page):
    page.goto("/briefings/")
    assert page.locator("#id_kind").is_visible()
    assert not page.locator(".filters-panel__summary").is_visible()
    filters = page.locator(".filters").bounding_box()
    results = page.locator(".listing__results").bounding_box()
    assert filters["x"] + filters["width"] <= results["x"]
