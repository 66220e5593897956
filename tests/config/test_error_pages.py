import pytest
from django.test import Client
from django.urls import include, path

from config import views


def explode(request):
    raise RuntimeError("boom: secret internals")


def forbidden(request):
    from django.core.exceptions import PermissionDenied

    raise PermissionDenied


def bad(request):
    from django.core.exceptions import SuspiciousOperation

    raise SuspiciousOperation("bad input")


urlpatterns = [
    path("explode/", explode),
    path("forbidden/", forbidden),
    path("bad/", bad),
    path("", include("config.urls")),
]
handler400 = views.bad_request
handler403 = views.permission_denied
handler404 = views.page_not_found
handler500 = views.server_error


@pytest.fixture
def error_urls(settings):
    settings.ROOT_URLCONF = "tests.config.test_error_pages"
    settings.DEBUG = False


@pytest.mark.django_db
def test_404_page_is_styled_and_has_no_traceback(client, error_urls):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "We could not find that page" in body
    assert "Traceback" not in body


@pytest.mark.django_db
def test_500_page_is_styled_and_hides_the_error(error_urls):
    client = Client(raise_request_exception=False)
    response = client.get("/explode/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong on our side" in body
    assert "boom" not in body and "Traceback" not in body
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_403_page(client, error_urls):
    response = client.get("/forbidden/")
    assert response.status_code == 403
    assert "You do not have access to this page" in response.content.decode()


@pytest.mark.django_db
def test_400_page(client, error_urls):
    response = client.get("/bad/")
    assert response.status_code == 400
    body = response.content.decode()
    assert "We could not understand that request" in body
    assert "bad input" not in body


@pytest.mark.django_db
def test_a_request_for_a_host_we_do_not_serve_gets_the_400_page(settings):
    # The 400 page's canonical link must not ask the refused host again.
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    body = response.content.decode()
    assert "We could not understand that request" in body
    assert "evil.example" not in body
