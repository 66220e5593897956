"""
When something fails, the reader gets a calm page and the operator a log record.

- The database unreachable: every page answers 503 with a friendly page and Retry-After,
  whichever layer found out (a view, a template, a middleware loading the session), and
  whether Django wrapped the error or psycopg's pool raised its own PoolTimeout.
- Any other error: the 500 page, no traceback, and the error logged with the request id.

tests/config/test_outage.py shows the same against a real PostgreSQL that stops and
starts again.
"""

from unittest import mock

import pytest
import redis
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbStore
from django.db.utils import InterfaceError, OperationalError
from django.template import engines
from django.test import Client
from django.urls import include, path
from psycopg_pool import PoolTimeout

from config.views import RETRY_AFTER_SECONDS, is_service_unavailable
from tests.factories import PASSWORD, UserFactory


def database_refused(request):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


def pool_timed_out(request):
    # Raised by psycopg_pool itself, not wrapped by Django.
    raise PoolTimeout("couldn't get a connection after 10.00 sec")


def pool_timed_out_wrapped(request):
    try:
        raise PoolTimeout("couldn't get a connection after 10.00 sec")
    except PoolTimeout as exc:
        raise OperationalError(str(exc)) from exc


class Exploding:
    def headline(self):
        raise ZeroDivisionError("secret internals of one section")


def broken_section(request):
    from django.http import HttpResponse

    template = engines["django"].from_string(
        "<h1>Briefing</h1><section>{{ section.headline }}</section>"
    )
    return HttpResponse(template.render({"section": Exploding()}, request))


def template_needing_the_database(request):
    from django.template.response import TemplateResponse

    class LazyRows:
        def __iter__(self):
            raise OperationalError("server closed the connection unexpectedly")

    template = engines["django"].from_string("{% for row in rows %}{{ row }}{% endfor %}")
    return TemplateResponse(request, template, {"rows": LazyRows()})


urlpatterns = [
    path("refused/", database_refused),
    path("pool/", pool_timed_out),
    path("pool-wrapped/", pool_timed_out_wrapped),
    path("broken/", broken_section),
    path("lazy/", template_needing_the_database),
    path("", include("config.urls")),
]
handler500 = "config.views.server_error"


@pytest.fixture
def failing_urls(settings):
    settings.ROOT_URLCONF = __name__


@pytest.fixture
def reader():
    # A client that answers with the error page instead of re-raising the error.
    return Client(raise_request_exception=False)


def assert_friendly_503(response):
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert "We will be back shortly" in body
    assert "Traceback" not in body and "Connection refused" not in body
    assert "css/site.css" in body  # in the site's style
    assert response["X-Request-ID"] in body  # a reference the reader can quote


# No database mark: pytest-django refuses any query, so these pass only if the 503 page is
# rendered without touching the database.
@pytest.mark.parametrize("url", ["/refused/", "/pool/", "/pool-wrapped/", "/lazy/"])
def test_database_errors_answer_503_without_touching_the_database(reader, failing_urls, url):
    assert_friendly_503(reader.get(url))


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/membership/", "/readyz"])
def test_every_page_answers_503_while_the_database_refuses_connections(reader, url):
    with mock.patch(
        "django.db.backends.base.base.BaseDatabaseWrapper.ensure_connection",
        side_effect=OperationalError("connection refused"),
    ):
        response = reader.get(url)
    assert response.status_code == 503
    assert response["Retry-After"]
    if url != "/readyz":
        assert_friendly_503(response)


@pytest.mark.django_db
def test_a_session_that_cannot_be_loaded_answers_503(reader):
    reader.cookies["sessionid"] = "a" * 32
    with mock.patch.object(
        CachedDbStore, "_get_session_from_db", side_effect=PoolTimeout("pool exhausted")
    ):
        response = reader.get("/accounts/email/")
    assert_friendly_503(response)


@pytest.mark.django_db
@pytest.mark.django_db
def test_a_cache_that_does_not_answer_answers_503(reader, settings):
    user = UserFactory()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            # Nothing listens on port 1.
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    # Sign-in attempts are rate limited through the cache.
    response = reader.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert_friendly_503(response)


@pytest.mark.django_db
def test_the_site_answers_again_as_soon_as_the_database_does(reader):
    with mock.patch(
        "django.db.backends.base.base.BaseDatabaseWrapper.ensure_connection",
        side_effect=OperationalError("connection refused"),
    ):
        assert reader.get("/membership/").status_code == 503
    assert reader.get("/membership/").status_code == 200


def test_only_availability_errors_count():
    assert is_service_unavailable(OperationalError("down"))
    assert is_service_unavailable(InterfaceError("connection already closed"))
    assert is_service_unavailable(PoolTimeout("timed out"))
    assert is_service_unavailable(redis.exceptions.ConnectionError("Connection refused"))
    try:
        try:
            raise PoolTimeout("timed out")
        except PoolTimeout as exc:
            raise RuntimeError("while rendering") from exc
    except RuntimeError as wrapped:
        assert is_service_unavailable(wrapped)
    assert not is_service_unavailable(ZeroDivisionError())
    assert not is_service_unavailable(None)


def test_an_error_in_one_section_shows_the_500_page_and_no_traceback(reader, failing_urls):
    response = reader.get("/broken/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong on our side" in body
    assert "secret internals" not in body and "Traceback" not in body
    assert "ZeroDivisionError" not in body
    assert response["X-Request-ID"] in body


def test_the_error_is_logged_with_the_request_id(reader, failing_urls, log_output):
    response = reader.get("/broken/", HTTP_X_REQUEST_ID="proxy-given-id-0001")
    assert response["X-Request-ID"] == "proxy-given-id-0001"

    errors = [record for record in log_output.records() if record["level"] == "ERROR"]
    assert len(errors) == 1
    error = errors[0]
    assert error["logger"] == "django.request"
    assert error["message"] == "Internal Server Error: /broken/"
    assert error["request_id"] == "proxy-given-id-0001"
    assert "ZeroDivisionError: secret internals of one section" in error["exception"]
    [request_line] = log_output.requests()
    assert request_line["request_id"] == "proxy-given-id-0001"
    assert request_line["status"] == 500


def test_a_database_outage_is_logged_as_an_error_with_the_request_id(
    reader, failing_urls, log_output
):
    response = reader.get("/pool/")
    [error] = [record for record in log_output.records() if record["level"] == "ERROR"]
    assert error["message"] == "Service Unavailable: /pool/"
    assert error["request_id"] == response["X-Request-ID"]
    assert "PoolTimeout" in error["exception"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/", {"HTTP_HOST": "evil.example.net"}),
        ("/briefings/", {"HTTP_HOST": "evil.example.net"}),
        ("/search/?" + "&".join(f"f{n}=x" for n in range(1200)), {}),
    ],
    ids=["unknown host", "unknown host on a list", "too many query parameters"],
)
def test_a_bad_request_gets_the_400_page_not_a_500(reader, path, headers):
    response = reader.get(path, **headers)
    assert response.status_code == 400
    body = response.content.decode()
    assert "We could not understand that request" in body
    assert "evil.example.net" not in body
