"""Workers' side of the outbox: hand rows to the worker pool, deliver batches of rows, the periodic relay pass.

The actors live here with the functions that send them; allot.outbox.relay decides which rows go next and
allot.outbox.delivery delivers one row, and neither imports this module.
"""

from __future__ import annotations

import logging

from django.db import connection
from django.utils import timezone

from allot.jobs.runs import recorded_run
from allot.outbox import delivery, relay
from allot.outbox.models import OutboxMessage
from allot.workers.broker import actor

logger = logging.getLogger(__name__)


def dispatch_tenant(schema: str) -> int:
    """Hand this tenant's due rows to the worker pool, up to its in-flight limit. Returns rows handed out."""
    actors = {OutboxMessage.Queue.TRANSACTIONAL: deliver_batch, OutboxMessage.Queue.BULK: deliver_bulk_batch,
              OutboxMessage.Queue.WEBHOOK: deliver_webhook}
    rows = relay.claim(schema, timezone.now())
    by_queue: dict[str, list[int]] = {}
    for row_id, queue in rows:
        by_queue.setdefault(queue, []).append(row_id)
    sent: list[int] = []
    try:
        for queue, ids in by_queue.items():
            # A webhook waits on someone else's server: one per worker message, so a slow one holds up no other.
            size = 1 if queue == OutboxMessage.Queue.WEBHOOK else relay.BATCH_SIZE
            for start in range(0, len(ids), size):
                batch = ids[start:start + size]
                actors[queue].send_with_options(args=(batch,), tenant_schema=schema)
                sent += batch
    except Exception:  # Redis down, most likely: give the rest back at once instead of waiting out the lease
        logger.exception("could not hand outbox rows of %s to the workers; they stay pending", schema)
        relay.give_back([row_id for row_id, _queue in rows if row_id not in set(sent)])
    return len(sent)


def request_dispatch(schema: str) -> None:
    """After a commit: ask the worker pool to dispatch this tenant (one Redis call, usually no database work).

    Claiming rows is a transaction of its own; doing it in the worker keeps it off the web request that
    committed the booking.
    """
    if relay.nudge(schema):
        dispatch_requested.send_with_options(tenant_schema=schema)


def dispatch_requested_run(schema: str) -> int:
    relay.nudge_clear(schema)
    return dispatch_tenant(schema)


def relay_pass() -> int:
    """Dispatch every tenant that has due or abandoned rows (the periodic safety net)."""
    return sum(dispatch_tenant(schema) for schema in relay.tenants_with_due_messages())


def _deliver_all(message_ids: list[int]) -> None:
    for message_id in message_ids:
        outcome = delivery.deliver(message_id)
        logger.debug("outbox message %s: %s", message_id, outcome)
    # Top this tenant up: the next batch of its backlog goes in behind every other tenant's.
    dispatch_tenant(connection.schema_name)


# Two queues so scheduled bulk mail never sits in front of a confirmation; within a worker process,
# lower priority numbers run first.
@actor(queue_name="transactional", priority=0, max_retries=0, time_limit=300_000)
def deliver_batch(message_ids: list[int]) -> None:
    _deliver_all(message_ids)


@actor(queue_name="bulk", priority=10, max_retries=0, time_limit=300_000)
def deliver_bulk_batch(message_ids: list[int]) -> None:
    _deliver_all(message_ids)


# Webhooks have a queue of their own, so an endpoint that answers slowly never sits in front of an email.
@actor(queue_name="webhooks", priority=0, max_retries=0, time_limit=120_000)
def deliver_webhook(message_ids: list[int]) -> None:
    _deliver_all(message_ids)


@actor(queue_name="transactional", priority=0, max_retries=0)
def dispatch_requested() -> None:
    """A commit wrote outbox rows for this tenant (the message's schema): hand them out."""
    dispatch_requested_run(connection.schema_name)


@actor(queue_name="transactional", priority=5, max_retries=0)
def outbox_relay_pass() -> None:
    """Periodic safety net: rows left pending, retries now due, leases of dead workers. Every 5 s: a pass that
    handed nothing out is counted in the minute's summary, not recorded as a job run."""
    with recorded_run("outbox.relay", record_idle=False, count_idle=True) as run:
        run.items_processed = relay_pass()
