"""What participants are told about their sign-ups, written to the outbox inside the deciding transaction.

Each message is tied to the allocation log entry that caused it (its idempotency key is the entry's id),
so a decision is announced once, and a participant who is moved from A to B and back to A hears about
both moves. A batch run writes thousands of messages: they go in with one INSERT per few thousand rows
(`OutboxMessage` rows exactly as `allot.outbox.services.outbox_write` writes them, relayed the same way).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from allot.outbox.models import OutboxMessage

SIGNUP_RECEIVED = "programme.signup_received"
ALLOCATED = "programme.allocated"
WAITLISTED = "programme.waitlisted"
NOT_ALLOCATED = "programme.not_allocated"
OFFER = "programme.offer"
WITHDRAWN = "programme.withdrawn"
EVENT_TYPES = [SIGNUP_RECEIVED, ALLOCATED, WAITLISTED, NOT_ALLOCATED, OFFER, WITHDRAWN]


@dataclass(frozen=True)
class Notice:
    event_type: str
    signup_id: int
    recipient: str
    language: str
    payload: dict


def subject_ref(signup_id: int) -> str:
    return f"programme-signup:{signup_id}"


def outbox_write_notices(notices: list[tuple[int, Notice]]) -> None:
    """Write (log entry id, notice) pairs to the outbox in the current transaction; repeats are ignored."""
    if not notices:
        return
    if not connection.in_atomic_block:
        raise RuntimeError("programme notices must be written inside the transaction of the decision")
    schema = connection.schema_name
    now = timezone.now()
    rows = [
        OutboxMessage(
            tenant_schema=schema, event_type=notice.event_type, recipient=notice.recipient, language=notice.language,
            payload={"signup_id": notice.signup_id, **notice.payload}, idempotency_key=f"programme-log:{entry_id}",
            subject_ref=subject_ref(notice.signup_id), queue=OutboxMessage.Queue.TRANSACTIONAL,
            next_attempt_at=now, created_at=now, updated_at=now,
        )
        for entry_id, notice in notices
    ]
    OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    _dispatch_after_commit(schema)


def _dispatch_after_commit(schema: str) -> None:
    from allot.outbox.relay import dispatch_tenant

    # robust: Redis being away must never turn a committed allocation into an error; the relay pass retries.
    transaction.on_commit(lambda: dispatch_tenant(schema), robust=True)
