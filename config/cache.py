"""
Django's Redis cache backend, reusing one redis-py client per connection pool.

Django's client builds a new `redis.Redis` for every cache call, and building one sets
up its table of response callbacks: on a page answered from the cache that cost more
than the calls themselves. redis-py clients are safe to share between threads (each
command takes a connection from the pool), and the pool starts afresh in a forked
worker, so one client per pool is enough.

`FailOpen` wraps a cache for the parts of the site that only use it to go faster (pages,
fragments, sessions' copies): a Redis outage makes them slower, not unavailable.
"""

import logging
import threading
import time

from django.core.cache.backends import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from redis import exceptions as redis_errors

logger = logging.getLogger("config.cache")


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient


# What redis-py raises when Redis is down, refuses, or does not answer in time.
UNAVAILABLE = (redis_errors.ConnectionError, redis_errors.TimeoutError)


class Outage:
    """
    What this process knows of the cache's health. It logs the first failure of an
    outage and its end, and nothing in between; and while the cache is down it lets one
    call through every RETRY_SECONDS to see whether it is back, so that a hung Redis
    costs a request nothing, not a timeout for each of its cache calls.
    """

    RETRY_SECONDS = 1.0

    def __init__(self):
        self._lock = threading.Lock()
        self.down_since: float | None = None
        self._last_try = 0.0

    def may_try(self) -> bool:
        if self.down_since is None:
            return True
        with self._lock:
            now = time.monotonic()
            if now - self._last_try < self.RETRY_SECONDS:
                return False
            self._last_try = now
            return True

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            first = self.down_since is None
            self._last_try = time.monotonic()
            if first:
                self.down_since = self._last_try
        if first:
            logger.warning("cache unavailable (%s): serving without it", type(exc).__name__)

    def succeeded(self) -> None:
        if self.down_since is None:
            return
        with self._lock:
            since, self.down_since = self.down_since, None
        if since is not None:
            logger.warning("cache available again after %.0f s", time.monotonic() - since)


outage = Outage()


_DEFAULT = object()


class FailOpen:
    """
    Reads and fills of a cache that is only an accelerator: when the cache cannot be
    reached, a read is a miss and a fill is skipped, so pages are built from the database
    instead of failing. Deletes are not wrapped: a delete that did not happen must not pass
    for one (a signed-out session or a withdrawn page would come back with the cache).
    Rate limits use the cache directly and fail closed.
    """

    def __init__(self, cache, *, health: Outage | None = None):
        self._cache = cache
        self._outage = health or outage  # each Redis its own; the pages' one by default

    def get(self, key, default=None, *, unavailable=_DEFAULT):
        """The value, `default` when missing, `unavailable` (default too) when unreachable."""
        fallback = default if unavailable is _DEFAULT else unavailable
        return self._call(fallback, self._cache.get, key, default)

    def get_many(self, keys, *, unavailable=_DEFAULT):
        """The values found, by key, in one round trip; `unavailable` ({}) when unreachable."""
        fallback = {} if unavailable is _DEFAULT else unavailable
        return self._call(fallback, self._cache.get_many, keys)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT) -> bool:
        """Whether the value was stored."""
        return self._call(False, lambda: self._cache.set(key, value, timeout) or True)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT) -> bool:
        return self._call(False, self._cache.add, key, value, timeout)

    def __contains__(self, key) -> bool:
        return self._call(False, self._cache.has_key, key)

    def _call(self, unavailable, method, *args):
        if not self._outage.may_try():
            return unavailable
        try:
            result = method(*args)
        except UNAVAILABLE as exc:
            self._outage.failed(exc)
            return unavailable
        self._outage.succeeded()
        return result

    def delete(self, key):
        return self._cache.delete(key)
