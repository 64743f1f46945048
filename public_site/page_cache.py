"""A short-lived, per-process cache of rendered browsing pages (home, a service's days, a day's times,
sessions), the same for every visitor who asks for the same address in the same language.

Working out a month of free times and rendering it costs ten times more than serving the bytes again, and
these pages are what everyone looks at before booking. An entry is used only while the *generations* it
was stored under are unchanged in Redis, and for at most MAX_AGE_SECONDS (free times also move with the
clock, and a bulk `.update()` sends no signal). The tenant's generation moves after every committed change
to the catalogue, staff calendars, programmes or settings and retires every page; a booking, an offer, a
waitlist entry or a session moves only the generations of its *scopes* (its service, its staff member; see
apps.py), so a service's page, which is stored under its service's and its staff members' generations,
outlives bookings of services that share no staff with it. Pages that name no scopes are stored under the
generation every scoped change moves too. Each process checks a generation at most once per
REVALIDATE_SECONDS and forgets its own entries at once when it makes a change. A stale page can never book
anything: the booking services decide from live rows, and a time that turns out to be taken gets the "no
longer available" page with the next free times.

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
from collections.abc import Callable, Iterable
from functools import wraps
from typing import TypeVar

import redis
from django.db import connection, transaction
from django.http import HttpResponse
from django.utils import translation

from allot.redis import get_redis, key
from public_site.languages import QUERY_PARAMETER

T = TypeVar("T")

MAX_AGE_SECONDS = 30.0
REVALIDATE_SECONDS = 1.0
MAX_ENTRIES = 5_000
# What the site's own links put in the parameters a cached view reads: ids, 2025-06.
PLAIN_VALUE = re.compile(r"[0-9A-Za-z-]{1,20}")

_lock = threading.Lock()
# In the order they expire (every entry lives MAX_AGE_SECONDS from when it is stored).
_entries: dict[tuple, tuple[float, bytes, str]] = {}
_generations: dict[tuple[str, str], tuple[float, bytes]] = {}
# Values pages are built from that only tenant-wide changes change (kept_for_tenant): (schema, name) ->
# (the tenant's generation they were loaded under, until when they may be used, the value).
_kept: dict[tuple[str, str], tuple[tuple, float, object]] = {}

# The scope of everything: the catalogue, staff calendars, programmes, the tenant's settings.
TENANT_SCOPE = "tenant"
# The scope of pages that name none: every scoped change moves it too.
ANY_SCOPE = "any"


def service_scope(service_id: int) -> str:
    return f"service:{service_id}"


def staff_scope(staff_id: int) -> str:
    return f"staff:{staff_id}"


def _clock() -> float:
    return time.monotonic()


def _generation_key(schema_name: str, scope: str = TENANT_SCOPE) -> str:
    if scope == TENANT_SCOPE:
        return key("public_pages", schema_name, "generation")
    return key("public_pages", schema_name, "generation", scope)


def _generations_of(schema_name: str, scopes: tuple[str, ...]) -> tuple[tuple[str, bytes], ...] | None:
    """The tenant's and the scopes' generations, or None when Redis cannot say (then nothing is cached); what
    this process has not checked for REVALIDATE_SECONDS is asked for in one round trip."""
    now = _clock()
    names = (TENANT_SCOPE, *scopes)
    known: dict[str, bytes] = {}
    for name in names:
        entry = _generations.get((schema_name, name))
        if entry is not None and now - entry[0] < REVALIDATE_SECONDS:
            known[name] = entry[1]
    missing = [name for name in names if name not in known]
    if missing:
        try:
            values = get_redis().mget([_generation_key(schema_name, name) for name in missing])
        except redis.RedisError:
            return None
        with _lock:
            for name, value in zip(missing, values, strict=True):
                known[name] = value or b"0"
                _generations[(schema_name, name)] = (now, known[name])
    return tuple((name, known[name]) for name in names)


def _forget_local(schema_name: str, scopes: set[str] | None = None) -> None:
    """Drop this process's generations and pages of the tenant: all of them, or those stored under `scopes`."""
    with _lock:
        for generation_key in [generation_key for generation_key in _generations if generation_key[0] == schema_name
                               and (scopes is None or generation_key[1] in scopes)]:
            del _generations[generation_key]
        for entry_key in [entry_key for entry_key in _entries if entry_key[0] == schema_name
                          and (scopes is None or any(name in scopes for name, _value in entry_key[1]))]:
            del _entries[entry_key]
        if scopes is None:
            for kept_key in [kept_key for kept_key in _kept if kept_key[0] == schema_name]:
                del _kept[kept_key]


def pages_changed(scopes: Iterable[str] | None = None) -> None:
    """Something pages show changed for the current tenant: in `scopes` only (a service's, a staff member's),
    or everywhere (None). Drop this process's affected pages now, and every process's once the change commits."""
    schema_name = connection.schema_name
    moved = None if scopes is None else {*scopes, ANY_SCOPE}
    _forget_local(schema_name, moved)

    def publish():
        try:
            if moved is None:
                get_redis().incr(_generation_key(schema_name))
            else:
                with get_redis().pipeline(transaction=False) as pipeline:
                    for scope in sorted(moved):
                        pipeline.incr(_generation_key(schema_name, scope))
                    pipeline.execute()
        except redis.RedisError:
            pass  # other processes keep their pages for at most MAX_AGE_SECONDS
        # after the increment: a page cached now is keyed by the new generation
        _forget_local(schema_name, moved)

    transaction.on_commit(publish)


def forget_local_pages() -> None:
    """Tests: drop every page this process keeps."""
    with _lock:
        _entries.clear()
        _generations.clear()
        _kept.clear()


def kept_for_tenant(name: str, load: Callable[[], T]) -> T:
    """`load()`, kept by this process for the current tenant while its pages' tenant-wide generation is unchanged
    (only changes that retire all of its pages change the value: the catalogue, programmes, settings) and for
    at most MAX_AGE_SECONDS; loaded afresh inside a transaction or when Redis cannot say. For what a page
    shows besides its service's bookings, which an uncached page (one a booking just retired) then does not
    ask the database for again."""
    if connection.in_atomic_block:
        return load()
    schema_name = connection.schema_name
    generation = _generations_of(schema_name, ())
    if generation is None:
        return load()
    kept = _kept.get((schema_name, name))
    now = _clock()
    if kept is not None and kept[0] == generation and kept[1] > now:
        return kept[2]
    value = load()
    with _lock:
        _kept[(schema_name, name)] = (generation, now + MAX_AGE_SECONDS, value)
    return value


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


def cached_page(*, query: tuple[str, ...] = (), scopes: Callable[..., Iterable[str] | None] | None = None):
    """Serve the view's page from this process's cache when nothing it shows can have changed.

    `query` names the query parameters the view reads (besides `?lang=`); they are part of the key, and a
    request with any other parameter is rendered without the cache. `scopes(request, *args, **kwargs)` names
    the scopes of what the page shows (service_scope, staff_scope); without it, or when it returns None, the
    page is retired by every change."""

    def decorate(view):
        @wraps(view)
        def page(request, *args, **kwargs):
            if request.method != "GET" or connection.in_atomic_block:
                return view(request, *args, **kwargs)
            query_key = _query_key(request, query)
            if query_key is None:
                return view(request, *args, **kwargs)
            schema_name = connection.schema_name
            page_scopes = scopes(request, *args, **kwargs) if scopes is not None else None
            generation = _generations_of(schema_name, (ANY_SCOPE,) if page_scopes is None
                                         else tuple(sorted(set(page_scopes))))
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
