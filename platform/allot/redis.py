"""One Redis connection pool per process, and namespaced key names.

Raw Redis (not the Django cache) for things that are not per-tenant cache entries: cache
generations, scheduler leadership, rate counters. Keys carry REDIS_NAMESPACE so deployments and test
runs sharing a server stay apart.
"""

from __future__ import annotations

import functools

import redis
from django.conf import settings


@functools.cache
def _client(url: str) -> redis.Redis:
    # One client per process: building a redis.Redis costs about as much as a round trip (it fills its
    # table of response callbacks), and several per request showed up in the booking profile. The client
    # is thread-safe and its pool notices a fork.
    return redis.Redis(connection_pool=redis.ConnectionPool.from_url(url, socket_timeout=2,
                                                                      socket_connect_timeout=2))


def get_redis() -> redis.Redis:
    return _client(settings.REDIS_URL)


def key(*parts: str) -> str:
    return ":".join([settings.REDIS_NAMESPACE, *parts])
