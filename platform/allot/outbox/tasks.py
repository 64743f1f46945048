"""Workers' side of the outbox: deliver batches of rows, run the periodic relay pass."""

from __future__ import annotations

import logging

from django.db import connection

from allot.jobs.runs import recorded_run
from allot.outbox import delivery
from allot.outbox.relay import dispatch_requested_run, dispatch_tenant, relay_pass
from allot.workers.broker import actor

logger = logging.getLogger(__name__)


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


@actor(queue_name="transactional", priority=0, max_retries=0)
def dispatch_requested() -> None:
    """A commit wrote outbox rows for this tenant (the message's schema): hand them out."""
    dispatch_requested_run(connection.schema_name)


@actor(queue_name="transactional", priority=5, max_retries=0)
def outbox_relay_pass() -> None:
    """Periodic safety net: rows left pending, retries now due, leases of dead workers."""
    with recorded_run("outbox.relay") as run:
        run.items_processed = relay_pass()
