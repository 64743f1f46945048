"""Choosing which outbox rows go to the worker pool next, fairly across tenants.

A row is handed out by marking it `inflight` with a lease (here) and sending a dramatiq message with a batch
of ids (allot.outbox.tasks, which holds the actors and so the sending). Each tenant has at most
PER_TENANT_INFLIGHT rows in flight, so one tenant queuing 10,000 messages keeps only a few batches in the
queue and another tenant's confirmation goes in right behind them. Whenever a worker finishes a batch it
tops its tenant up again; a periodic pass picks up whatever was left behind: rows whose enqueue failed,
whose worker died (lease expired), retries whose time has come, and scheduled messages that became due.

This module sends nothing and imports no actor, so the actors can use it without an import cycle.
"""

from __future__ import annotations

import datetime as dt
import os
import zlib

from django.db import connection, transaction
from django.db.models import Case, Count, Q, Value, When
from django.utils import timezone

from allot.outbox.models import OutboxMessage
from allot.redis import get_redis, key

PER_TENANT_INFLIGHT = int(os.environ.get("ALLOT_OUTBOX_TENANT_INFLIGHT") or 40)
BATCH_SIZE = int(os.environ.get("ALLOT_OUTBOX_BATCH_SIZE") or 10)
# How long a worker has to finish a batch before the relay assumes it died and hands the rows out again.
LEASE_SECONDS = int(os.environ.get("ALLOT_OUTBOX_LEASE_SECONDS") or 60)
# Webhook deliveries wait on other people's servers (up to their timeout each): a tenant has at most this many
# in flight, one per worker message, so its slow endpoint holds a few worker threads, never the pool, and never
# its own or anyone's email.
WEBHOOK_TENANT_INFLIGHT = int(os.environ.get("ALLOT_WEBHOOK_TENANT_INFLIGHT") or 4)


def _due(now: dt.datetime) -> Q:
    waiting = Q(status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.FAILED], next_attempt_at__lte=now)
    abandoned = Q(status=OutboxMessage.Status.INFLIGHT, lease_expires_at__lt=now)
    return waiting | abandoned


# Confirmations and offers go before reminders and campaigns of the same tenant.
TRANSACTIONAL_FIRST = Case(When(queue=OutboxMessage.Queue.TRANSACTIONAL, then=Value(0)), default=Value(1))


def claim(schema: str, now: dt.datetime) -> list[tuple[int, str]]:
    """Mark up to the tenant's free in-flight room as in flight; return (id, queue) pairs."""
    with transaction.atomic(), connection.cursor() as cursor:
        # One dispatcher per tenant at a time, so the in-flight count below stays true.
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(f"outbox:{schema}".encode())])
        in_flight = dict(
            OutboxMessage.objects.filter(
                tenant_schema=schema, status=OutboxMessage.Status.INFLIGHT, lease_expires_at__gte=now)
            .order_by().values("queue").annotate(rows=Count("id")).values_list("queue", "rows")
        )
        webhooks_in_flight = in_flight.pop(OutboxMessage.Queue.WEBHOOK, 0)
        rows = []
        room = PER_TENANT_INFLIGHT - sum(in_flight.values())
        due = OutboxMessage.objects.select_for_update(skip_locked=True).filter(_due(now), tenant_schema=schema)
        if room > 0:
            rows += list(
                due.exclude(queue=OutboxMessage.Queue.WEBHOOK)
                .order_by(TRANSACTIONAL_FIRST, "next_attempt_at", "id")
                .values_list("id", "queue")[:room]
            )
        webhook_room = WEBHOOK_TENANT_INFLIGHT - webhooks_in_flight
        if webhook_room > 0:
            rows += list(
                due.filter(queue=OutboxMessage.Queue.WEBHOOK).order_by("next_attempt_at", "id")
                .values_list("id", "queue")[:webhook_room]
            )
        if rows:
            OutboxMessage.objects.filter(pk__in=[row_id for row_id, _queue in rows]).update(
                status=OutboxMessage.Status.INFLIGHT, lease_expires_at=now + dt.timedelta(seconds=LEASE_SECONDS),
                updated_at=now,
            )
    return rows


def give_back(row_ids: list[int]) -> None:
    """Rows claimed but not handed to the workers (Redis down) are pending again at once, not after the lease."""
    OutboxMessage.objects.filter(pk__in=row_ids, status=OutboxMessage.Status.INFLIGHT).update(
        status=OutboxMessage.Status.PENDING, lease_expires_at=None
    )


# A nudge coalesces the dispatch requests of many commits: while one is queued, further commits of the tenant
# add nothing (the worker clears the flag before it claims rows, so a later commit always nudges again).
NUDGE_TTL_MS = 2000


def _nudge_key(schema: str) -> str:
    return key("outbox", "nudge", schema)


def nudge(schema: str) -> bool:
    """Flag that this tenant has rows to dispatch; False if a flagged request is still queued (coalesced)."""
    return bool(get_redis().set(_nudge_key(schema), b"1", nx=True, px=NUDGE_TTL_MS))


def nudge_clear(schema: str) -> None:
    """The worker takes the request: a commit from now on asks again."""
    get_redis().delete(_nudge_key(schema))


def tenants_with_due_messages(now: dt.datetime | None = None) -> list[str]:
    return list(
        OutboxMessage.objects.filter(_due(now or timezone.now()))
        .values_list("tenant_schema", flat=True).distinct().order_by("tenant_schema")
    )
