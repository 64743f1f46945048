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

Only complete 200 GET responses without cookies, a CSRF token or a private/no-store mark are kept, and
never inside a transaction (tests, and anything that could see uncommitted rows). The key is the path, the
language and the values of the query parameters the view reads (`?month=`, `?staff=`…); a request with any
other parameter (a tracking tag, a crawler's junk), a repeated one or an odd value is rendered for itself
and not kept, so made-up addresses cannot fill the cache. Entries expire in the order they were stored and
are dropped then; when the cache is full of live pages, a new page waits for room instead of pushing the
others out.
"""

from __future__ import annotations

import re
import threading
import time
from functools import wraps

import redis
from django.db import connection, transaction
from django.http import HttpResponse
from django.utils import translation

from allot.redis import get_redis, key
from public_site.languages import QUERY_PARAMETER

MAX_AGE_SECONDS = 30.0
REVALIDATE_SECONDS = 1.0
MAX_ENTRIES = 5_000
# What the site's own links put in the parameters a cached view reads: ids, 2025-06.
PLAIN_VALUE = re.compile(r"[0-9A-Za-z-]{1,20}")

_lock = threading.Lock()
# In the order they expire (every entry lives MAX_AGE_SECONDS from when it is stored).
_entries: dict[tuple, tuple[float, bytes, str]] = {}
_generations: dict[str, tuple[float, bytes]] = {}


def _clock() -> float:
    return time.monotonic()


def _generation_key(schema_name: str) -> str:
    return key("public_pages", schema_name, "generation")


def _generation(schema_name: str) -> bytes | None:
    """The tenant's pages generation, or None when Redis cannot say (then nothing is cached)."""
    now = _clock()
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


def _plain(values: list[str]) -> bool:
    return len(values) <= 1 and all(PLAIN_VALUE.fullmatch(value) for value in values)


def _query_key(request, parameters: tuple[str, ...]) -> tuple | None:
    """The values of `parameters` in the request's query, in a fixed order; None when the query has anything
    else (other parameters, a parameter twice, a value no link of the site has): such a page is not kept.
    `?lang=` is checked too, but the key has the language the page speaks instead of its value."""
    if any(name != QUERY_PARAMETER and name not in parameters for name in request.GET):
        return None
    if not all(_plain(request.GET.getlist(name)) for name in (QUERY_PARAMETER, *parameters)):
        return None
    return tuple(request.GET.get(name) for name in parameters)


def _drop_expired(now: float) -> None:
    """Drop the entries past their time: they are the oldest, at the front."""
    expired = []
    for entry_key, (expires_at, _content, _content_type) in _entries.items():
        if expires_at > now:
            break
        expired.append(entry_key)
    for entry_key in expired:
        del _entries[entry_key]


def _store(entry_key: tuple, response) -> None:
    with _lock:
        now = _clock()  # under the lock: entries go in in the order they expire
        _entries.pop(entry_key, None)  # a renewed entry expires last: to the back
        _drop_expired(now)
        if len(_entries) < MAX_ENTRIES:
            _entries[entry_key] = (now + MAX_AGE_SECONDS, response.content, response["Content-Type"])


def cached_page(*, query: tuple[str, ...] = ()):
    """Serve the view's page from this process's cache when nothing it shows can have changed.

    `query` names the query parameters the view reads (besides `?lang=`); they are part of the key, and a
    request with any other parameter is rendered without the cache."""

    def decorate(view):
        @wraps(view)
        def page(request, *args, **kwargs):
            if request.method != "GET" or connection.in_atomic_block:
                return view(request, *args, **kwargs)
            query_key = _query_key(request, query)
            if query_key is None:
                return view(request, *args, **kwargs)
            schema_name = connection.schema_name
            generation = _generation(schema_name)
            if generation is None:
                return view(request, *args, **kwargs)
            tenant = getattr(request, "tenant", None)
            entry_key = (schema_name, generation, getattr(tenant, "updated_at", None), translation.get_language(),
                         request.path, query_key)
            entry = _entries.get(entry_key)
            if entry is not None and entry[0] > _clock():
                return HttpResponse(entry[1], content_type=entry[2])
            response = view(request, *args, **kwargs)
            if _cacheable(request, response):
                _store(entry_key, response)
            return response

        return page

    return decorate
