"""Which tenant answers a host name (or owns a schema), cached in the process.

Resolving the tenant is the first thing every request does; a domain query per request is the first
thing that shows up in a profile. Answers are kept in process memory and dropped whenever the
tenancy *generation* in Redis moves, which every tenant or domain change does after commit. Each
process checks the generation at most once per REVALIDATE_SECONDS, so a change is seen everywhere
within that time and at once in the process that made it.
"""

from __future__ import annotations

import logging
import threading
import time

import redis
from django.db import transaction

from allot.redis import get_redis, key

logger = logging.getLogger(__name__)

REVALIDATE_SECONDS = 1.0
MAX_ENTRIES = 10_000  # unknown hosts are cached too; a flood of random hosts must not grow memory forever

_lock = threading.Lock()
_by_host: dict[str, object] = {}
_by_schema: dict[str, object] = {}
_state = {"generation": None, "checked_at": 0.0}


def _generation_key() -> str:
    return key("tenancy", "generation")


def _revalidate() -> None:
    now = time.monotonic()
    if now - _state["checked_at"] < REVALIDATE_SECONDS:
        return
    try:
        generation = get_redis().get(_generation_key())
    except redis.RedisError:
        # Without Redis nobody can tell us about changes: fall back to the database every time.
        generation = object()
    with _lock:
        if generation != _state["generation"]:
            _by_host.clear()
            _by_schema.clear()
            _state["generation"] = generation
        _state["checked_at"] = now


def _remember(cache: dict, name: str, tenant) -> None:
    with _lock:
        if len(cache) >= MAX_ENTRIES:
            cache.clear()
        cache[name] = tenant


def tenant_for_host(hostname: str):
    """The tenant serving `hostname`, or None."""
    from tenants.models import Domain

    _revalidate()
    try:
        return _by_host[hostname]
    except KeyError:
        pass
    domain = Domain.objects.select_related("tenant").filter(domain=hostname).first()
    tenant = domain.tenant if domain else None
    _remember(_by_host, hostname, tenant)
    return tenant


def tenant_for_schema(schema_name: str):
    """The tenant owning `schema_name`, or None."""
    from tenants.models import Tenant

    _revalidate()
    try:
        return _by_schema[schema_name]
    except KeyError:
        pass
    tenant = Tenant.objects.filter(schema_name=schema_name).first()
    _remember(_by_schema, schema_name, tenant)
    return tenant


def forget_all() -> None:
    """Drop this process's answers now and tell every other process to drop theirs."""
    with _lock:
        _by_host.clear()
        _by_schema.clear()
        _state["checked_at"] = 0.0
    try:
        get_redis().incr(_generation_key())
    except redis.RedisError:
        logger.warning("could not publish a tenancy change; other processes will see it when Redis is back")


def forget_after_commit() -> None:
    # Also forget at once: within the transaction this process must not serve the old answer either.
    with _lock:
        _by_host.clear()
        _by_schema.clear()
    transaction.on_commit(forget_all)


def forget_local() -> None:
    """Drop this process's answers only (tests roll back changes that never reach Redis)."""
    with _lock:
        _by_host.clear()
        _by_schema.clear()
        _state["checked_at"] = 0.0
