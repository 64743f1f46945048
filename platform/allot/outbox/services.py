"""Writing to the outbox (inside the caller's transaction) and operator decisions on messages."""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from allot.errors import ApplicationError
from allot.outbox.models import OutboxMessage


def outbox_write(
    *,
    event_type: str,
    recipient: str,
    language: str,
    payload: dict,
    idempotency_key: str,
    subject_ref: str = "",
    send_at: dt.datetime | None = None,
    queue: str = OutboxMessage.Queue.TRANSACTIONAL,
    tenant_schema: str | None = None,
    max_attempts: int | None = None,
) -> None:
    """Record a message to send once the current transaction commits (or at `send_at`).

    Must run inside the transaction of the change it announces: a rollback removes it with the change.
    A second write with the same key is ignored, so callers can be retried safely.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("outbox_write must run inside the transaction of the change it announces")
    schema = tenant_schema or connection.schema_name
    message = OutboxMessage(
        tenant_schema=schema, event_type=event_type, recipient=recipient, language=language, payload=payload,
        idempotency_key=idempotency_key, subject_ref=subject_ref, queue=queue,
        next_attempt_at=send_at or timezone.now(),
    )
    if max_attempts:
        message.max_attempts = max_attempts
    # One INSERT ... ON CONFLICT DO NOTHING: no savepoint round trips inside a booking's lock.
    OutboxMessage.objects.bulk_create([message], ignore_conflicts=True)
    outbox_dispatch_after_commit(schema)


def outbox_dispatch_after_commit(schema: str) -> None:
    """Once the current transaction commits, have the worker pool hand this tenant's due rows out."""
    from allot.outbox.tasks import request_dispatch  # the actors bind to the broker when first imported

    # robust: a failure to reach Redis must never turn a committed booking into an error page; the periodic
    # relay pass picks the rows up.
    transaction.on_commit(lambda: request_dispatch(schema), robust=True)


def outbox_cancel(*, subject_ref: str, event_types: list[str] | None = None,
                  tenant_schema: str | None = None) -> int:
    """Cancel messages about `subject_ref` that have not gone out yet (e.g. reminders of a cancelled booking)."""
    messages = OutboxMessage.objects.filter(
        tenant_schema=tenant_schema or connection.schema_name, subject_ref=subject_ref,
        status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.FAILED],
    )
    if event_types:
        messages = messages.filter(event_type__in=event_types)
    return messages.update(status=OutboxMessage.Status.CANCELLED, updated_at=timezone.now())


def outbox_revive(*, tenant_schema: str, idempotency_key: str, send_at: dt.datetime) -> bool:
    """Make a cancelled message pending again (it is wanted after all); call inside the caller's transaction."""
    revived = OutboxMessage.objects.filter(
        tenant_schema=tenant_schema, idempotency_key=idempotency_key, status=OutboxMessage.Status.CANCELLED,
    ).update(status=OutboxMessage.Status.PENDING, attempts=0, next_attempt_at=send_at, lease_expires_at=None,
             last_error="", updated_at=timezone.now())
    if revived:
        outbox_dispatch_after_commit(tenant_schema)
    return bool(revived)


def outbox_retry(*, message: OutboxMessage) -> OutboxMessage:
    """An operator sends a dead (or failed) message again, with a fresh set of attempts."""
    if message.status not in (OutboxMessage.Status.DEAD, OutboxMessage.Status.FAILED):
        raise ApplicationError("Only failed or dead messages can be retried.", code="not_retryable")
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        if message.status not in (OutboxMessage.Status.DEAD, OutboxMessage.Status.FAILED):
            return message
        message.status = OutboxMessage.Status.PENDING
        message.attempts = 0
        message.next_attempt_at = timezone.now()
        message.lease_expires_at = None
        message.save(update_fields=["status", "attempts", "next_attempt_at", "lease_expires_at", "updated_at"])
        outbox_dispatch_after_commit(message.tenant_schema)
    return message


def outbox_retry_dead(*, tenant_schema: str) -> int:
    """An operator sends every dead message of one tenant again, each with a fresh set of attempts; returns how
    many. One statement: rows the relay holds are not dead, so nothing in flight is touched."""
    with transaction.atomic():
        retried = OutboxMessage.objects.filter(tenant_schema=tenant_schema, status=OutboxMessage.Status.DEAD).update(
            status=OutboxMessage.Status.PENDING, attempts=0, next_attempt_at=timezone.now(), lease_expires_at=None,
            updated_at=timezone.now())
        if retried:
            outbox_dispatch_after_commit(tenant_schema)
    return retried
