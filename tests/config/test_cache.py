"""config.cache: Django's Redis backend, with one redis-py client per connection pool."""

import pytest
import redis as redis_py
from django.core.cache import caches
from django.test import override_settings

REDIS = "redis://127.0.0.1:6379/14"


def redis_answers() -> bool:
    try:
        return bool(redis_py.Redis.from_url(REDIS, socket_connect_timeout=1).ping())
    except redis_py.RedisError:
        return False


pytestmark = pytest.mark.skipif(not redis_answers(), reason="no Redis at 127.0.0.1:6379")


@override_settings(
    CACHES={
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "shared": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": REDIS,
            "KEY_PREFIX": "test-config-cache",
        },
    }
)
def test_the_redis_cache_works_and_reuses_its_client():
    cache = caches["shared"]
    try:
        cache.set("answer", {"value": 42}, 30)
        assert cache.get("answer") == {"value": 42}
        assert cache.add("answer", "other", 30) is False
        assert cache.incr("counter", 1) if cache.add("counter", 1, 30) else True
        client = cache._cache.get_client(write=True)
        assert cache._cache.get_client(write=True) is client
        assert cache._cache.get_client() is client  # one server: reads use the same pool
    finally:
        cache.delete_many(["answer", "counter"])
