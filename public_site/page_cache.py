"""A short-lived, per-process cache of rendered browsing pages (home, a service's days, a day's times,
sessions), the same for every visitor who asks for the same address in the same language.

Working out a month of free times and rendering it costs ten times more than serving the bytes again, and
these pages are what everyone looks at before booking. An entry is used only while the tenant's *pages
generation* in Redis is unchanged (it moves after every committed change to any booking_core row of the
tenant: a booking, a cancellation, working hours, the catalogue; see apps.py) and for at most
MAX_AGE_SECONDS (free times also move with the clock, and a bulk `.update()` sends no signal). Each
process checks the generation at most once per REVALIDATE_SECONDS and forgets its own entries at once
when it makes a change. A stale page can never book anything: the booking services decide from live rows,
and a time that turns out to be taken gets the "no longer available" page with the next free times.

Only complete 200 GET responses without cookies or a CSRF token are kept, and never inside a transaction
(tests, and anything that could see uncommitted rows).
"""

from __future__ import annotations

import threading
import time
from functools import wraps

import redis
from django.db import connection, transaction
from django.http import HttpResponse
from django.utils import translation

from allot.redis import get_redis, key

MAX_AGE_SECONDS = 30.0
REVALIDATE_SECONDS = 1.0
MAX_ENTRIES = 5_000

_lock = threading.Lock()
_entries: dict[tuple, tuple[float, bytes, str]] = {}
_generations: dict[str, tuple[float, bytes]] = {}


def _generation_key(schema_name: str) -> str:
    return key("public_pages", schema_name, "generation")


def _generation(schema_name: str) -> bytes | None:
    """The tenant's pages generation, or None when Redis cannot say (then nothing is cached)."""
    now = time.monotonic()
    known = _generations.get(schema_name)
    if known is not None and now - known[0] < REVALIDATE_SECONDS:
        return known[1]
    try:
        generation = get_redis().get(_generation_key(schema_name)) or b"0"
    except redis.RedisError:
        return None
    with _lock:
        _generations[schema_name] = (now, generation)
    return generation


def _forget_local(schema_name: str) -> None:
    with _lock:
        _generations.pop(schema_name, None)
        for entry_key in [entry_key for entry_key in _entries if entry_key[0] == schema_name]:
            del _entries[entry_key]


def pages_changed() -> None:
    """Something a page shows changed for the current tenant: drop this process's pages now, and every
    process's once the change commits."""
    schema_name = connection.schema_name
    _forget_local(schema_name)

    def publish():
        try:
            get_redis().incr(_generation_key(schema_name))
        except redis.RedisError:
            pass  # other processes keep their pages for at most MAX_AGE_SECONDS
        _forget_local(schema_name)  # after the increment: a page cached now is keyed by the new generation

    transaction.on_commit(publish)


def forget_local_pages() -> None:
    """Tests: drop every page this process keeps."""
    with _lock:
        _entries.clear()
        _generations.clear()


def _cacheable(request, response) -> bool:
    cache_control = response.get("Cache-Control", "").lower()
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        # a page someone's personal details are on (pages.secret_link_page) is nobody else's
        and "private" not in cache_control
        and "no-store" not in cache_control
    )


def cached_page(view):
    """Serve the view's page from this process's cache when nothing it shows can have changed."""

    @wraps(view)
    def page(request, *args, **kwargs):
        if request.method != "GET" or connection.in_atomic_block:
            return view(request, *args, **kwargs)
        schema_name = connection.schema_name
        generation = _generation(schema_name)
        if generation is None:
            return view(request, *args, **kwargs)
        tenant = getattr(request, "tenant", None)
        entry_key = (schema_name, generation, getattr(tenant, "updated_at", None), translation.get_language(),
                     request.get_full_path())
        now = time.monotonic()
        entry = _entries.get(entry_key)
        if entry is not None and entry[0] > now:
            return HttpResponse(entry[1], content_type=entry[2])
        response = view(request, *args, **kwargs)
        if _cacheable(request, response):
            with _lock:
                if len(_entries) >= MAX_ENTRIES:
                    _entries.clear()
                _entries[entry_key] = (now + MAX_AGE_SECONDS, response.content, response["Content-Type"])
        return response

    return page
