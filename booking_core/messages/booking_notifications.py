"""What clients are told about their bookings, written to the outbox inside the booking's transaction.

Nothing is sent from here: rows commit (or roll back) with the booking, and the worker pool delivers them
(see booking_core.messages.booking_emails for how each one is rendered).
"""

from __future__ import annotations

import datetime as dt

from allot.outbox.models import OutboxMessage
from allot.outbox.services import outbox_cancel, outbox_write
from booking_core.messages.custom import switched_off
from booking_core.models import Booking

BOOKING_CONFIRMED = "booking.confirmed"
BOOKING_RECEIVED = "booking.received"  # pending: the organisation confirms it first
BOOKING_CANCELLED = "booking.cancelled"
BOOKING_RESCHEDULED = "booking.rescheduled"
BOOKING_REMINDER = "booking.reminder"
ATTENDANCE_REQUEST = "booking.attendance_request"
SCHEDULED_EVENTS = [BOOKING_REMINDER, ATTENDANCE_REQUEST]


def subject_ref(booking: Booking) -> str:
    return f"booking:{booking.pk}"


def _write(booking: Booking, event_type: str, key: str, *, payload: dict | None = None,
           send_at: dt.datetime | None = None, queue: str = OutboxMessage.Queue.TRANSACTIONAL) -> None:
    if switched_off(event_type):
        return
    outbox_write(
        event_type=event_type, recipient=booking.client.email, language=booking.language,
        payload={"booking_id": booking.pk, **(payload or {})}, idempotency_key=key,
        subject_ref=subject_ref(booking), send_at=send_at, queue=queue,
    )


def notify_booking_created(booking: Booking) -> None:
    if booking.status == Booking.Status.PENDING:
        _write(booking, BOOKING_RECEIVED, f"{subject_ref(booking)}:received")
    else:
        notify_booking_confirmed(booking)


def notify_booking_confirmed(booking: Booking) -> None:
    _write(booking, BOOKING_CONFIRMED, f"{subject_ref(booking)}:confirmed")


def notify_booking_cancelled(booking: Booking) -> None:
    # Reminders and attendance requests not sent yet are pointless now.
    outbox_cancel(subject_ref=subject_ref(booking), event_types=SCHEDULED_EVENTS)
    _write(booking, BOOKING_CANCELLED, f"{subject_ref(booking)}:cancelled",
           payload={"cancelled_by": booking.cancelled_by, "reason": booking.cancellation_reason})


def notify_booking_rescheduled(booking: Booking, *, old_starts_at: dt.datetime) -> None:
    # Scheduled messages were for the old time; the reminder job schedules them again for the new one.
    outbox_cancel(subject_ref=subject_ref(booking), event_types=SCHEDULED_EVENTS)
    # The moment of the change makes the key: moving to 11:00, back to 10:00 and to 11:00 again is three emails.
    _write(booking, BOOKING_RESCHEDULED, f"{subject_ref(booking)}:rescheduled:{booking.updated_at.isoformat()}",
           payload={"old_starts_at": old_starts_at.isoformat()})


def reminder_key(booking: Booking, offset_minutes: int) -> str:
    # The start is part of the key: a moved booking gets its reminders again, for the new time.
    return f"{subject_ref(booking)}:reminder:{offset_minutes}:{booking.starts_at.isoformat()}"


def attendance_request_key(booking: Booking) -> str:
    return f"{subject_ref(booking)}:attendance:{booking.starts_at.isoformat()}"


def schedule_reminder(booking: Booking, *, offset_minutes: int, send_at: dt.datetime) -> None:
    _write(booking, BOOKING_REMINDER, reminder_key(booking, offset_minutes),
           payload={"starts_at": booking.starts_at.isoformat(), "offset_minutes": offset_minutes},
           send_at=send_at, queue=OutboxMessage.Queue.BULK)


def schedule_attendance_request(booking: Booking, *, send_at: dt.datetime) -> None:
    _write(booking, ATTENDANCE_REQUEST, attendance_request_key(booking),
           payload={"starts_at": booking.starts_at.isoformat()}, send_at=send_at, queue=OutboxMessage.Queue.BULK)
