"""What participants are told about their sign-ups, written to the outbox inside the deciding transaction.

Each message is tied to the allocation log entry that caused it (its idempotency key is the entry's id),
so a decision is written down once. What goes out is where the participant stands, once (see
booking_core.programmes.emails): a notice that a later decision about the same sign-up has overtaken
before it was sent is dropped, and one that would only repeat what the participant was last told is
too. A participant moved from A to B and back to A hears about both moves if each mail went out before
the next move; if the moves came quicker than the mail, they hear once where they are (and nothing, if
that is A and they had already been told so). A batch run writes thousands of messages: they are copied
in with COPY (`OutboxMessage` rows exactly as `allot.outbox.services.outbox_write` writes them, relayed
the same way).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone

from allot.outbox.models import OutboxMessage
from allot.outbox.services import outbox_dispatch_after_commit
from booking_core.programmes.bulk_rows import copy_rows, qualified_table

SIGNUP_RECEIVED = "programme.signup_received"
ALLOCATED = "programme.allocated"
WAITLISTED = "programme.waitlisted"
NOT_ALLOCATED = "programme.not_allocated"
OFFER = "programme.offer"
WITHDRAWN = "programme.withdrawn"
# Where a sign-up stands: a later one of these makes an earlier, unsent one pointless.
DECISION_EVENT_TYPES = [SIGNUP_RECEIVED, ALLOCATED, WAITLISTED, NOT_ALLOCATED, OFFER, WITHDRAWN]
# The group someone has a place in meets at other times (or in another place): not a decision about them.
SCHEDULE_CHANGED = "programme.schedule_changed"
# The group someone holds an open offer of a place in meets at other times: they decide on what it is now.
OFFER_SCHEDULE_CHANGED = "programme.offer_schedule_changed"
EVENT_TYPES = [*DECISION_EVENT_TYPES, SCHEDULE_CHANGED, OFFER_SCHEDULE_CHANGED]


@dataclass(frozen=True)
class Notice:
    event_type: str
    signup_id: int
    recipient: str
    language: str
    payload: dict


def subject_ref(signup_id: int) -> str:
    return f"programme-signup:{signup_id}"


OUTBOX_COLUMNS = ("tenant_schema", "event_type", "queue", "recipient", "language", "payload", "subject_ref",
                  "idempotency_key", "status", "attempts", "max_attempts", "next_attempt_at", "last_error",
                  "created_at", "updated_at")


def outbox_write_notices(notices: list[tuple[int, Notice]]) -> None:
    """Write (log entry id, notice) pairs to the outbox in the current transaction.

    The key is the log entry's id, fresh from its sequence, so it is new by construction; rows are copied
    in (COPY) rather than inserted, because a batch run writes one per sign-up.
    """
    if not notices:
        return
    if not connection.in_atomic_block:
        raise RuntimeError("programme notices must be written inside the transaction of the decision")
    schema = connection.schema_name
    now = timezone.now()
    max_attempts = OutboxMessage._meta.get_field("max_attempts").get_default()
    copy_rows(qualified_table(OutboxMessage, settings.PUBLIC_SCHEMA_NAME), OUTBOX_COLUMNS, (
        (schema, notice.event_type, OutboxMessage.Queue.TRANSACTIONAL, notice.recipient, notice.language,
         json.dumps({"signup_id": notice.signup_id, **notice.payload}), subject_ref(notice.signup_id),
         f"programme-log:{entry_id}", OutboxMessage.Status.PENDING, 0, max_attempts, now, "", now, now)
        for entry_id, notice in notices
    ))
    outbox_dispatch_after_commit(schema)
