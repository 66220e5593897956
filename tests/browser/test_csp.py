"""
The strict Content Security Policy holds on every page: the reader's pages as each audience
sees them, and the pages we did not write ourselves, Django admin and django-allauth.
Chromium reports any refused script, style, image, frame or form target as a
`securitypolicyviolation` event and a console error; both must stay empty.
"""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.http import HttpResponse
from django.template import engines
from django.urls import include, path, reverse

from members.access import Audience
from tests.browser.helpers import CHROMIUM_404, csp_violations, force_sign_in, gated_briefing
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    StaffFactory,
    UserFactory,
    members_migration_data,
    ready_briefing,
)


def audience_id(tier):
    return "anonymous" if tier is None else Audience(tier).slug


# Chromium reports each refusal to conftest's RECORD_VIOLATIONS, in window.__cspViolations.


def visit(page, path, status=200):
    response = page.goto(path)
    assert response.status == status, f"{path} answered {response.status}"
    assert "Content-Security-Policy" in {name.title(): v for name, v in response.headers.items()}
    page.wait_for_load_state("networkidle")
    return csp_violations(page)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "tier", [None, Audience.STRATEGIC_CIRCLE, Audience.LEADERSHIP_ALLIANCE], ids=audience_id
)
def test_reader_pages_run_under_the_policy_for_each_audience(page, live_server, tier):
    cache.clear()
    members_migration_data()
    briefing = gated_briefing(signal_brief=True)
    paths = [
        "/",
        "/briefings/",
        briefing.category.get_absolute_url(),
        briefing.region.get_absolute_url(),
        briefing.topic.get_absolute_url(),
        "/search/?q=data+centre",
        briefing.get_absolute_url(),
        "/membership/",
        "/membership/strategic-circle/",
        "/membership/leadership-alliance/",
    ]
    if tier is None:
        paths += ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
    else:
        member = UserFactory()
        MembershipFactory(user=member, tier=tier)
        force_sign_in(page.context, live_server, member)
        paths += [reverse("members:account")]
    for address in paths:
        assert visit(page, address) == [], address
    assert page.console_errors == []
    # The page for an address that leads nowhere; Chromium logs its status as an error.
    assert visit(page, "/no-such-page/", status=404) == []
    assert page.console_errors == [CHROMIUM_404]


@pytest.mark.django_db(transaction=True)
def test_allauth_sign_in_and_account_pages_work_under_the_policy(page):
    user = UserFactory()
    assert visit(page, "/accounts/login/") == []
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert csp_violations(page) == []
    assert page.console_errors == []
    # Signed in: the header offers the account page rather than sign-in.
    account = reverse("members:account")
    assert page.locator(f"header a[href='{account}']").count() == 1
    # The signed-in account pages, MFA set-up (QR code, passkeys) included.
    for account_path in (
        account,
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/2fa/",
        "/accounts/2fa/totp/activate/",
    ):
        assert visit(page, account_path) == [], account_path
    assert page.console_errors == []


@pytest.fixture
def admin_page(page, live_server):
    # Admin's own sign-in page, as anyone meets it.
    assert visit(page, "/admin/login/") == []
    # Then a superuser's session (staff sign in with a second factor, which is not what
    # is under test here: see test_journeys), handed to the browser as its cookie.
    force_sign_in(page.context, live_server, StaffFactory(is_superuser=True))
    group = Group.objects.create(name="Editors")
    group.permissions.set(Permission.objects.filter(codename__startswith="view_")[:3])
    page.group = group
    return page


@pytest.mark.django_db(transaction=True)
def test_django_admin_runs_under_the_policy(admin_page):
    group = admin_page.group
    for admin_path in (
        "/admin/",
        "/admin/auth/group/",
        "/admin/auth/group/?q=edit",
        "/admin/auth/group/add/",
        f"/admin/auth/group/{group.pk}/change/",
    ):
        assert visit(admin_page, admin_path) == [], admin_path
    # The change form's scripts ran: the permission picker became a two-box filter.
    assert admin_page.locator(".selector-available").count() == 1
    assert admin_page.console_errors == []


@pytest.mark.django_db(transaction=True)
def test_the_newsroom_and_membership_admin_run_under_the_policy(admin_page):
    briefing = ready_briefing()
    member = UserFactory()
    for admin_path in (
        "/admin/briefings/briefing/",
        "/admin/briefings/briefing/add/",
        f"/admin/briefings/briefing/{briefing.pk}/change/",
        f"/admin/briefings/briefing/{briefing.pk}/history/",
        "/admin/members/user/",
        f"/admin/members/user/{member.pk}/change/",
        "/admin/members/membership/add/",
    ):
        assert visit(admin_page, admin_path) == [], admin_path
    assert admin_page.console_errors == []


@pytest.mark.django_db(transaction=True)
def test_the_history_of_sources_and_terms_runs_under_the_policy(admin_page):
    source = ready_briefing().citations.get().source
    source.title = "Renamed source"
    source.save()
    first = source.history.order_by("history_id").first()
    for admin_path in (
        f"/admin/briefings/source/{source.pk}/history/",
        f"/admin/briefings/source/{source.pk}/history/{first.history_id}/",
    ):
        assert visit(admin_page, admin_path) == [], admin_path
    assert admin_page.console_errors == []


def careless_page(request):
    # What a template slip looks like: an inline style attribute and an inline script
    # without the nonce.
    return HttpResponse(
        "<!DOCTYPE html><title>x</title><p style='color: red'>x</p>"
        "<script>document.title = 'ran'</script>"
    )


def careful_page(request):
    # The way to do it: inline code carries the request's nonce.
    template = engines["django"].from_string(
        "<!DOCTYPE html><title>x</title>"
        '<style nonce="{{ csp_nonce }}">p { color: rgb(200, 0, 0); }</style><p>x</p>'
        "<script nonce=\"{{ csp_nonce }}\">document.title = 'ran'</script>"
    )
    return HttpResponse(template.render({}, request))


urlpatterns = [
    path("careless/", careless_page),
    path("careful/", careful_page),
    path("", include("config.urls")),
]


@pytest.mark.django_db(transaction=True)
def test_inline_code_with_the_nonce_runs(page, settings):
    settings.ROOT_URLCONF = __name__
    assert visit(page, "/careful/") == []
    assert page.title() == "ran"
    assert page.locator("p").evaluate("p => getComputedStyle(p).color") == "rgb(200, 0, 0)"
    assert page.console_errors == []


@pytest.mark.django_db(transaction=True)
def test_a_slip_is_refused_and_reported_to_the_site(page, settings):
    settings.ROOT_URLCONF = __name__
    with page.expect_response("**/csp-report") as report:
        page.goto("/careless/")
    assert report.value.status == 204
    assert page.title() == "x"  # the inline script did not run
    violations = csp_violations(page)
    assert any(v.startswith("style-src-attr") for v in violations)
    assert any(v.startswith("script-src-elem") for v in violations)
