"""Handing outbox rows to the worker pool, fairly across tenants.

A row is handed out by marking it `inflight` with a lease and sending a dramatiq message with a batch of
ids. Each tenant has at most PER_TENANT_INFLIGHT rows in flight, so one tenant queuing 10,000 messages
keeps only a few batches in the queue and another tenant's confirmation goes in right behind them.
Whenever a worker finishes a batch it tops its tenant up again; a periodic pass (`relay_pass`) picks up
whatever was left behind: rows whose enqueue failed, whose worker died (lease expired), retries whose
time has come, and scheduled messages that became due.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import zlib

from django.db import connection, transaction
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from allot.outbox.models import OutboxMessage
from allot.redis import get_redis, key

logger = logging.getLogger(__name__)

PER_TENANT_INFLIGHT = int(os.environ.get("ALLOT_OUTBOX_TENANT_INFLIGHT") or 40)
BATCH_SIZE = int(os.environ.get("ALLOT_OUTBOX_BATCH_SIZE") or 10)
# How long a worker has to finish a batch before the relay assumes it died and hands the rows out again.
LEASE_SECONDS = int(os.environ.get("ALLOT_OUTBOX_LEASE_SECONDS") or 60)


def _due(now: dt.datetime) -> Q:
    waiting = Q(status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.FAILED], next_attempt_at__lte=now)
    abandoned = Q(status=OutboxMessage.Status.INFLIGHT, lease_expires_at__lt=now)
    return waiting | abandoned


# Confirmations and offers go before reminders and campaigns of the same tenant.
TRANSACTIONAL_FIRST = Case(When(queue=OutboxMessage.Queue.TRANSACTIONAL, then=Value(0)), default=Value(1))


def _claim(schema: str, now: dt.datetime) -> list[tuple[int, str]]:
    """Mark up to the tenant's free in-flight room as in flight; return (id, queue) pairs."""
    with transaction.atomic(), connection.cursor() as cursor:
        # One dispatcher per tenant at a time, so the in-flight count below stays true.
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(f"outbox:{schema}".encode())])
        in_flight = OutboxMessage.objects.filter(
            tenant_schema=schema, status=OutboxMessage.Status.INFLIGHT, lease_expires_at__gte=now
        ).count()
        room = PER_TENANT_INFLIGHT - in_flight
        if room <= 0:
            return []
        rows = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(_due(now), tenant_schema=schema)
            .order_by(TRANSACTIONAL_FIRST, "next_attempt_at", "id")
            .values_list("id", "queue")[:room]
        )
        if rows:
            OutboxMessage.objects.filter(pk__in=[row_id for row_id, _queue in rows]).update(
                status=OutboxMessage.Status.INFLIGHT, lease_expires_at=now + dt.timedelta(seconds=LEASE_SECONDS),
                updated_at=now,
            )
    return rows


def dispatch_tenant(schema: str) -> int:
    """Hand this tenant's due rows to the worker pool, up to its in-flight limit. Returns rows handed out."""
    from allot.outbox.tasks import deliver_batch, deliver_bulk_batch

    actors = {OutboxMessage.Queue.TRANSACTIONAL: deliver_batch, OutboxMessage.Queue.BULK: deliver_bulk_batch}
    rows = _claim(schema, timezone.now())
    by_queue: dict[str, list[int]] = {}
    for row_id, queue in rows:
        by_queue.setdefault(queue, []).append(row_id)
    sent: list[int] = []
    try:
        for queue, ids in by_queue.items():
            for start in range(0, len(ids), BATCH_SIZE):
                batch = ids[start:start + BATCH_SIZE]
                actors[queue].send_with_options(args=(batch,), tenant_schema=schema)
                sent += batch
    except Exception:  # Redis down, most likely: give the rest back at once instead of waiting out the lease
        logger.exception("could not hand outbox rows of %s to the workers; they stay pending", schema)
        unsent = [row_id for row_id, _queue in rows if row_id not in set(sent)]
        OutboxMessage.objects.filter(pk__in=unsent, status=OutboxMessage.Status.INFLIGHT).update(
            status=OutboxMessage.Status.PENDING, lease_expires_at=None
        )
    return len(sent)


# A nudge coalesces the dispatch requests of many commits: while one is queued, further commits of the tenant
# add nothing (the worker clears the flag before it claims rows, so a later commit always nudges again).
NUDGE_TTL_MS = 2000


def _nudge_key(schema: str) -> str:
    return key("outbox", "nudge", schema)


def request_dispatch(schema: str) -> None:
    """After a commit: ask the worker pool to dispatch this tenant (one Redis call, usually no database work).

    Claiming rows is a transaction of its own; doing it in the worker keeps it off the web request that
    committed the booking.
    """
    from allot.outbox.tasks import dispatch_requested

    if get_redis().set(_nudge_key(schema), b"1", nx=True, px=NUDGE_TTL_MS):
        dispatch_requested.send_with_options(tenant_schema=schema)


def dispatch_requested_run(schema: str) -> int:
    get_redis().delete(_nudge_key(schema))
    return dispatch_tenant(schema)


def tenants_with_due_messages(now: dt.datetime | None = None) -> list[str]:
    return list(
        OutboxMessage.objects.filter(_due(now or timezone.now()))
        .values_list("tenant_schema", flat=True).distinct().order_by("tenant_schema")
    )


def relay_pass() -> int:
    """Dispatch every tenant that has due or abandoned rows (the periodic safety net)."""
    return sum(dispatch_tenant(schema) for schema in tenants_with_due_messages())
