"""Every domain event and what it sets off: the one list to read to follow a change past `events.publish`.

booking_core.events defines the events and publishes them; this table says which handlers run, in which
order, inside the publisher's transaction. BookingCoreConfig.ready connects it (`events.handlers_connect`),
and tests/booking_core/test_event_handlers.py checks the exact lists. To react to an event, add the handler
here, not in an import side effect.
"""

from __future__ import annotations

from django.db import connection

from billing.services.refunds import refund_for_cancellation
from booking_core import events
from booking_core.waitlist.services import offer_preparation
from public_site.page_cache import pages_changed

# Handlers run in the publisher's transaction, in its tenant: like a job, a handler reads that tenant once, here,
# and passes it to the services as `tenant=`.


def offer_freed_seats(event: events.SeatsFreed) -> None:
    """Offer the session's free seats to the best-ranked waiting (and hold them for them)."""
    offer_preparation.offers_prepare_for_session(tenant=connection.tenant, session_id=event.session_id,
                                                 freed_at=event.freed_at)


def offer_freed_slot(event: events.SlotFreed) -> None:
    """Offer the freed appointment slot to the best-ranked waiting for that service and day."""
    offer_preparation.offers_prepare_for_slot(tenant=connection.tenant, service_id=event.service_id,
                                              staff_id=event.staff_id, starts_at=event.starts_at,
                                              freed_at=event.freed_at)


def forget_cached_pages(event: events.ProgrammeChanged) -> None:
    """Programme decisions are bulk writes that send no model signals: the booking site's cached pages go."""
    pages_changed()


HANDLERS: dict[type, tuple[events.Handler, ...]] = {
    # A seat of a group session came free: offer it to the best-ranked waiting (and hold it for them).
    events.SeatsFreed: (offer_freed_seats,),
    # A staff member's time came free: offer the appointment slot to those waiting for that day.
    events.SlotFreed: (offer_freed_slot,),
    # A session was called off: its open offers are withdrawn and its waitlist is told.
    events.SessionCancelled: (offer_preparation.on_session_cancelled,),
    # What clients see of a programme changed.
    events.ProgrammeChanged: (forget_cached_pages,),
    # A booking was cancelled by a client or an operator: what was paid is refunded by the service's policy.
    events.BookingCancelled: (refund_for_cancellation,),
}
