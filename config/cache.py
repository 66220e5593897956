"""
Django's Redis cache backend, reusing one redis-py client per connection pool.

Django's client builds a new `redis.Redis` for every cache call, and building one sets
up its table of response callbacks: on a page answered from the cache that cost more
than the calls themselves. redis-py clients are safe to share between threads (each
command takes a connection from the pool), and the pool starts afresh in a forked
worker, so one client per pool is enough.
"""

from django.core.cache.backends import redis


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
