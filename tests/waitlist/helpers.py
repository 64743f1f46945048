"""Setting the scene for waitlist tests: full sessions, waiting clients, seat accounting."""

from __future__ import annotations

import itertools

from booking_core.acting import Actor
from booking_core.models import Booking, Session, WaitlistEntry
from booking_core.services.bookings import booking_create_group
from booking_core.waitlist.services.entries import waitlist_join
from tests.factories import client_details

_sequence = itertools.count(1)


def fill(tenant, session: Session, seats: list[int]) -> list[Booking]:
    """Book the session with one booking per number of seats."""
    return [
        booking_create_group(tenant=tenant, session=Session.objects.get(pk=session.pk), seats=count,
                             client=client_details(), actor=Actor.system("setup"))
        for count in seats
    ]


def join(tenant, session: Session | None, *, seats: int = 1, service=None, date_from=None, date_to=None,
         staff=None, answers=None, language: str = "en") -> WaitlistEntry:
    """A new client joins the waitlist for the session (or for the service's dates)."""
    number = next(_sequence)
    return waitlist_join(
        tenant=tenant, service=service or session.service,
        session=Session.objects.get(pk=session.pk) if session else None,
        date_from=date_from, date_to=date_to, staff=staff, seats=seats, answers=answers, language=language,
        client=client_details(name=f"Waiting {number}", email=f"waiting{number}@example.com"),
        actor=Actor.client(f"waiting{number}@example.com"),
    )


def seats_of(session: Session) -> dict[str, int]:
    """The session's seat accounting, checked against the rows it counts."""
    fresh = Session.objects.get(pk=session.pk)
    live = Booking.objects.filter(session=fresh, status__in=Booking.LIVE_STATUSES)
    assert fresh.seats_booked == sum(live.values_list("seats", flat=True)), "booked counter drifted"
    held = fresh.offers.filter(status__in=["prepared", "sent"])
    assert fresh.seats_held == sum(held.values_list("seats", flat=True)), "held counter drifted"
    return {"capacity": fresh.capacity, "booked": fresh.seats_booked, "held": fresh.seats_held,
            "free": fresh.seats_free}
