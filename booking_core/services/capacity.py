"""Locks and seat counters: how capacity is decided inside a transaction.

Rows are locked in primary-key order (sessions, then staff members, then bookings) so two
transactions never wait on each other crosswise; counts come from live rows; the counters they keep
are backed by CHECK and UNIQUE constraints.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.functions import Greatest, Least
from django.utils.translation import gettext as _

from booking_core.errors import CapacityError
from booking_core.models import Booking, Session, StaffMember


def session_lock(session_id: int) -> Session:
    """Lock a session row for the rest of the transaction and return it fresh (without its service)."""
    return Session.objects.select_for_update().get(pk=session_id)


def staff_lock(staff_ids: Iterable[int]) -> list[StaffMember]:
    """Lock staff rows in primary-key order for the rest of the transaction."""
    return list(StaffMember.objects.select_for_update().filter(pk__in=list(staff_ids)).order_by("pk"))


def booking_row_lock(booking_id: int) -> Booking:
    """Lock one booking row (after what it consumes) and return it with its service and client."""
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("service", "session", "client")
        .get(pk=booking_id)
    )


# Counted in plain SQL: this runs inside the session lock on every booking, where each
# millisecond of ORM compilation is a millisecond every other booking of the session waits.
_LIVE_SEATS_SQL = (
    f"SELECT COALESCE(SUM(seats), 0) FROM {Booking._meta.db_table} "
    f"WHERE session_id = %s AND status IN ({', '.join(['%s'] * len(Booking.LIVE_STATUSES))})"
)


def live_seats_booked(session_id: int) -> int:
    """Seats of pending and confirmed bookings of a session, counted from the rows themselves."""
    with connection.cursor() as cursor:
        cursor.execute(_LIVE_SEATS_SQL, [session_id, *Booking.LIVE_STATUSES])
        return cursor.fetchone()[0]


def add_seats_booked(session: Session, delta: int) -> int:
    """Move the locked session's counter by `delta` in SQL; return how many seats became free (>= 0).

    An increment, not an absolute write: concurrent updates of one row serialise in PostgreSQL, so even
    without the row lock two bookings could not both squeeze under the CHECK constraint.
    """
    free_before = session.seats_free
    try:
        # No savepoint: a violation aborts the whole booking transaction anyway.
        with transaction.atomic(savepoint=False):
            Session.objects.filter(pk=session.pk).update(seats_booked=F("seats_booked") + delta)
    except IntegrityError as error:
        raise CapacityError(_("This session is full."), extra={"seats_free": 0}) from error
    session.seats_booked += delta  # the row is locked: this is what the database now holds
    if delta < 0 and session.accepted_overbooking:
        # Seats the operator kept above capacity disappear first as bookings leave.
        session.accepted_overbooking = max(0, min(session.accepted_overbooking, session.seats_taken - session.capacity))
        Session.objects.filter(pk=session.pk).update(accepted_overbooking=session.accepted_overbooking)
    return max(0, session.seats_free - free_before)


def add_seats_held(session_id: int, delta: int) -> None:
    """Move a locked session's count of seats held by open waitlist offers by `delta` (in SQL).

    Holding more seats than are free violates the CHECK constraint: the database refuses the hold.
    """
    changes = {"seats_held": F("seats_held") + delta}
    if delta < 0:
        # Seats an operator kept above capacity disappear first as holds are given back (as with bookings).
        changes["accepted_overbooking"] = Greatest(
            0, Least(F("accepted_overbooking"), F("seats_booked") + F("seats_held") + delta - F("capacity")))
    try:
        with transaction.atomic(savepoint=False):
            Session.objects.filter(pk=session_id).update(**changes)
    except IntegrityError as error:
        raise CapacityError(_("This session is full."), extra={"seats_free": 0}) from error


def convert_booked_to_held(session: Session, seats: int) -> None:
    """An accepted offer reopened (its payment could not start): its booked seats are held by the offer again."""
    Session.objects.filter(pk=session.pk).update(seats_held=F("seats_held") + seats,
                                                 seats_booked=F("seats_booked") - seats)
    session.seats_held += seats
    session.seats_booked -= seats


def convert_held_to_booked(session: Session, seats: int) -> None:
    """An accepted offer: its held seats become booked seats, in one statement (capacity is unchanged)."""
    Session.objects.filter(pk=session.pk).update(seats_held=F("seats_held") - seats,
                                                 seats_booked=F("seats_booked") + seats)
    session.seats_held -= seats
    session.seats_booked += seats
