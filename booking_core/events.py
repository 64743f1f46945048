"""Domain events published inside the transaction that caused them.

Handlers run synchronously in that same transaction, so whatever they write (a waitlist offer holding
the freed seat, an outbox row) commits or rolls back together with the change that freed the seat.
Handlers must not do I/O outside the database; anything that leaves the system goes through the outbox.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

_handlers: dict[type, list[Callable]] = defaultdict(list)


@dataclass(frozen=True)
class SeatsFreed:
    """Seats of a group session became available (cancellation, capacity raised, hold released)."""

    session_id: int
    seats: int
    reason: str
    # When the place first became free, if earlier than now (an offer passing it on keeps the original time).
    freed_at: datetime | None = None


@dataclass(frozen=True)
class SlotFreed:
    """Time of a staff member became available (individual booking cancelled or moved)."""

    service_id: int
    staff_id: int
    starts_at: datetime
    ends_at: datetime
    reason: str
    freed_at: datetime | None = None


@dataclass(frozen=True)
class SessionCancelled:
    """A group session was called off: whatever waits for it (waitlist entries, offers) is over."""

    session_id: int
    reason: str


@dataclass(frozen=True)
class ProgrammeChanged:
    """Decisions about a programme's sign-ups or groups were written (places taken or given back, a group's
    capacity changed or the group was cancelled, a batch run): what clients see of the programme changed, in
    bulk writes that send no model signals. Readers that keep copies (the booking site's pages) drop them."""

    programme_id: int


def subscribe(event_type: type) -> Callable[[Callable], Callable]:
    def register(handler: Callable) -> Callable:
        if handler not in _handlers[event_type]:
            _handlers[event_type].append(handler)
        return handler

    return register


def unsubscribe(event_type: type, handler: Callable) -> None:
    if handler in _handlers[event_type]:
        _handlers[event_type].remove(handler)


def publish(event) -> None:
    for handler in list(_handlers[type(event)]):
        handler(event)
