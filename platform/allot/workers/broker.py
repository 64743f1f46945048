"""The dramatiq broker shared by every tenant: Redis from REDIS_URL, with tenant routing middleware."""

from __future__ import annotations

import threading

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import AgeLimit, Callbacks, Pipelines, Retries, ShutdownNotifications, TimeLimit

_installed: dict[str, RedisBroker] = {}
_lock = threading.Lock()


def build_broker(*, url: str, namespace: str) -> RedisBroker:
    from allot.workers.middleware import DatabaseConnectionMiddleware, HeartbeatMiddleware, TenantMiddleware

    middleware = [
        AgeLimit(),
        TimeLimit(),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Retries(min_backoff=1_000, max_backoff=300_000),
        DatabaseConnectionMiddleware(),
        TenantMiddleware(),
        HeartbeatMiddleware(),
    ]
    return RedisBroker(url=url, namespace=namespace, middleware=middleware)


def install_broker() -> RedisBroker:
    """Make the Redis broker dramatiq's global broker, once per process."""
    from django.conf import settings

    with _lock:
        if "broker" not in _installed:
            broker = build_broker(url=settings.REDIS_URL, namespace=f"{settings.DRAMATIQ_NAMESPACE}-dramatiq")
            dramatiq.set_broker(broker)
            _installed["broker"] = broker
        return _installed["broker"]


def actor(fn=None, **options):
    """dramatiq.actor, bound to our broker even if the module is imported before Django is ready."""
    install_broker()
    if fn is None:
        return lambda function: dramatiq.actor(function, **options)
    return dramatiq.actor(fn, **options)
