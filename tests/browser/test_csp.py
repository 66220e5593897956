"""
The strict Content Security Policy holds on the pages we did not write ourselves: Django
admin and django-allauth. Chromium reports any refused script, style, image, frame or form
target as a `securitypolicyviolation` event and a console error; both must stay empty.
"""

import pytest
from django.contrib.auth.models import Group, Permission
from django.http import HttpResponse
from django.template import engines
from django.test import Client
from django.urls import include, path, reverse

from tests.factories import PASSWORD, StaffFactory, UserFactory, ready_briefing

# Collects every CSP violation in the page, before any of the page's own scripts run.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile || event.documentURI}:${event.lineNumber}`
  );
});
"""


def visit(page, path):
    response = page.goto(path)
    assert response.status == 200, f"{path} answered {response.status}"
    assert "Content-Security-Policy" in {name.title(): v for name, v in response.headers.items()}
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__cspViolations")


@pytest.fixture
def csp_page(page):
    page.context.add_init_script(RECORD_VIOLATIONS)
    return page


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/briefings/",
        "/search/?q=data+centre",
        "/membership/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
    ],
)
def test_pages_run_under_the_policy(csp_page, path):
    assert visit(csp_page, path) == []
    assert csp_page.console_errors == []


@pytest.mark.django_db(transaction=True)
def test_allauth_sign_in_and_account_pages_work_under_the_policy(csp_page):
    user = UserFactory()
    assert visit(csp_page, "/accounts/login/") == []
    csp_page.fill("input[name=login]", user.email)
    csp_page.fill("input[name=password]", PASSWORD)
    csp_page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    csp_page.wait_for_load_state("networkidle")
    assert csp_page.evaluate("window.__cspViolations") == []
    assert csp_page.console_errors == []
    # Signed in: the header offers the account page rather than sign-in.
    account = reverse("members:account")
    assert csp_page.locator(f"header a[href='{account}']").count() == 1
    # The signed-in account pages, MFA set-up (QR code, passkeys) included.
    for account_path in (
        account,
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/2fa/",
        "/accounts/2fa/totp/activate/",
    ):
        assert visit(csp_page, account_path) == [], account_path
    assert csp_page.console_errors == []


@pytest.fixture
def admin_page(csp_page, live_server, settings):
    # Admin's own sign-in page, as anyone meets it.
    assert visit(csp_page, "/admin/login/") == []
    # Then a superuser's session (staff sign in with a second factor, which is not what
    # is under test here), handed to the browser as its cookie.
    admin = StaffFactory(is_superuser=True)
    client = Client()
    client.force_login(admin)
    csp_page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    group = Group.objects.create(name="Editors")
    group.permissions.set(Permission.objects.filter(codename__startswith="view_")[:3])
    csp_page.group = group
    return csp_page


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
def test_inline_code_with_the_nonce_runs(csp_page, settings):
    settings.ROOT_URLCONF = __name__
    assert visit(csp_page, "/careful/") == []
    assert csp_page.title() == "ran"
    assert csp_page.locator("p").evaluate("p => getComputedStyle(p).color") == "rgb(200, 0, 0)"
    assert csp_page.console_errors == []


@pytest.mark.django_db(transaction=True)
def test_a_slip_is_refused_and_reported_to_the_site(csp_page, settings):
    settings.ROOT_URLCONF = __name__
    with csp_page.expect_response("**/csp-report") as report:
        csp_page.goto("/careless/")
    assert report.value.status == 204
    assert csp_page.title() == "x"  # the inline script did not run
    violations = csp_page.evaluate("window.__cspViolations")
    assert any(v.startswith("style-src-attr") for v in violations)
    assert any(v.startswith("script-src-elem") for v in violations)
