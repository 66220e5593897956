from unittest import mock

import pytest
import redis
from django.db.utils import OperationalError


@pytest.mark.django_db
def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_answers_ok_when_the_database_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_readyz_answers_503_when_the_database_is_unreachable(client):
    with mock.patch(
        "django.db.backends.base.base.BaseDatabaseWrapper.cursor",
        side_effect=OperationalError("connection refused"),
    ):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
    assert response["Retry-After"]


@pytest.mark.django_db
def test_readyz_names_a_shared_cache_that_is_down_and_stays_in_service(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    refused = mock.Mock(get=mock.Mock(side_effect=redis.ConnectionError("refused")))
    with mock.patch("config.views.caches", {"default": refused}):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "cache": "unreachable"}


@pytest.mark.django_db
def test_readyz_names_the_shared_cache_when_both_answer(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
