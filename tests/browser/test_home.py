import pytest


@pytest.mark.django_db(transaction=True)
def test_home_page_loads_without_console_errors(page):
    response = page.goto("/")
    assert response.status == 200
    assert page.title()
    assert page.locator("header nav").is_visible()
    assert page.console_errors == []


@pytest.mark.django_db(transaction=True)
def test_skip_link_is_the_first_stop_for_the_keyboard(page):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
