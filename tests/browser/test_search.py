from briefings.search import briefings_reindex
from tests.factories import BriefingFactory, CategoryFactory, SectionFactory


def test_search_works_on_a_phone_without_javascript_errors(phone_page, db):
    category = CategoryFactory(name="Datacenter")
    briefing = BriefingFactory(
        title="Harbour cranes go remote", summary="Ports automate.", category=category
    )
    SectionFactory(briefing=briefing, body="Remote cranes now run the night shift.")
    BriefingFactory(title="Unrelated grid note", summary="Power.")
    briefings_reindex()

    phone_page.goto("/")
    phone_page.get_by_role("link", name="Search").click()
    phone_page.get_by_label("Search briefings").fill("night shift")
    phone_page.get_by_role("button", name="Search", exact=True).click()

    results = phone_page.locator(".search-result")
    assert results.count() == 1
    assert "Harbour cranes go remote" in results.first.inner_text()
    assert results.first.locator("mark").count() >= 1
    # The filters are folded away until asked for, then narrow the same search.
    phone_page.get_by_text("Narrow the results").click()
    phone_page.get_by_label("Category").select_option("datacenter")
    phone_page.get_by_role("button", name="Apply filters").click()
    assert phone_page.locator(".search-result").count() == 1
    assert "category=datacenter" in phone_page.url
    # No horizontal scrolling on a phone.
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert phone_page.console_errors == []
