"""Domain events published inside the transaction that caused them.

Who handles which event is listed in one place, booking_core.event_handlers.HANDLERS (connected when Django
starts, in BookingCoreConfig.ready). Handlers run synchronously in the publisher's transaction, in the order
listed, so whatever they write (a waitlist offer holding the freed seat, an outbox row) commits or rolls back
together with the change that freed the seat. Handlers must not do I/O outside the database; anything that
leaves the system goes through the outbox.

This module imports no handler: the handlers publish events themselves (an offer passed on frees its seats
again), so the table is handed to it rather than imported by it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

Handler = Callable[[object], None]
_handlers: dict[type, tuple[Handler, ...]] | None = None


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


@dataclass(frozen=True)
class BookingCancelled:
    """A client or an operator cancelled a booking (not a hold running out): what was paid for it is refunded by
    the service's cancellation policy, or by the amount the operator chose (`refund_amount`, minor units), or in
    full (`full_refund`: the organisation called the session off)."""

    booking_id: int
    actor: object  # booking_core.acting.Actor
    cancelled_at: datetime
    refund_amount: int | None = None
    full_refund: bool = False


EVENT_TYPES = (SeatsFreed, SlotFreed, SessionCancelled, ProgrammeChanged, BookingCancelled)


def handlers_connect(table: Mapping[type, Sequence[Handler]]) -> None:
    """Dispatch events through `table` (event type -> its handlers, in order) from now on.

    Every event type must be listed, with an empty list if nothing handles it, so that an event added here
    cannot be published into nothing by oversight.
    """
    global _handlers
    missing = [event_type.__name__ for event_type in EVENT_TYPES if event_type not in table]
    unknown = [getattr(event_type, "__name__", repr(event_type)) for event_type in table
               if event_type not in EVENT_TYPES]
    if missing or unknown:
        raise ValueError(f"the event handler table does not match the events: missing {missing}, unknown {unknown}")
    _handlers = {event_type: tuple(handlers) for event_type, handlers in table.items()}


def handlers_of(event_type: type) -> tuple[Handler, ...]:
    """The handlers `publish` runs for `event_type`, in order."""
    if _handlers is None:
        raise RuntimeError("no event handlers are connected (booking_core.event_handlers, when Django starts)")
    return _handlers[event_type]


def publish(event) -> None:
    for handler in handlers_of(type(event)):
        handler(event)
