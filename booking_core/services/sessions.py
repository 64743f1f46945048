"""Scheduling group sessions and changing their capacity."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking_core import events
from booking_core.acting import Actor
from booking_core.errors import BookingError
from booking_core.models import Booking, Service, Session
from booking_core.services.audit import audit_record
from booking_core.services.bookings import booking_cancel
from booking_core.services.capacity import live_seats_booked, session_lock

MAX_SESSIONS_PER_RECURRENCE = 400


def _snapshot(session: Session) -> dict:
    return {
        "starts_at": session.starts_at.isoformat(), "ends_at": session.ends_at.isoformat(),
        "capacity": session.capacity, "location": session.location, "is_cancelled": session.is_cancelled,
        "accepted_overbooking": session.accepted_overbooking,
    }


def _validated(session: Session) -> Session:
    try:
        session.full_clean(exclude=["seats_booked", "seats_held", "accepted_overbooking"])
    except ValidationError as error:
        raise BookingError(_("The session could not be saved."), fields=error.message_dict) from error
    return session


def session_create(*, service: Service, starts_at: dt.datetime, capacity: int, actor: Actor,
                   ends_at: dt.datetime | None = None, location: str = "", recurrence_key: str = "") -> Session:
    """Schedule one session of a group service (ends after the service's duration unless given)."""
    session = _validated(Session(
        service=service, starts_at=starts_at,
        ends_at=ends_at or starts_at + dt.timedelta(minutes=service.duration_minutes),
        capacity=capacity, location=location, recurrence_key=recurrence_key,
    ))
    with transaction.atomic():
        session.save()
        audit_record(actor=actor, action="session.created", obj=session, after=_snapshot(session))
    return session


def sessions_create_weekly(*, service: Service, zone, first_date: dt.date, last_date: dt.date, weekdays: list[int],
                           start_time: dt.time, capacity: int, actor: Actor, location: str = "") -> list[Session]:
    """Schedule a session on each chosen weekday (Monday = 0) between two dates, at a local time."""
    if last_date < first_date:
        raise BookingError(_("The last date must not be before the first."), fields={"last_date": [_("Too early.")]})
    if not weekdays or any(day not in range(7) for day in weekdays):
        raise BookingError(_("Pick weekdays from 0 (Monday) to 6 (Sunday)."), fields={"weekdays": [_("Invalid.")]})
    days = [first_date + dt.timedelta(days=offset) for offset in range((last_date - first_date).days + 1)]
    days = [day for day in days if day.weekday() in set(weekdays)]
    if len(days) > MAX_SESSIONS_PER_RECURRENCE:
        raise BookingError(_("That would create more than %(max)d sessions at once.")
                           % {"max": MAX_SESSIONS_PER_RECURRENCE})
    recurrence_key = uuid.uuid4().hex
    with transaction.atomic():
        return [
            session_create(service=service, starts_at=dt.datetime.combine(day, start_time, tzinfo=zone),
                           capacity=capacity, actor=actor, location=location, recurrence_key=recurrence_key)
            for day in days
        ]


def session_update(*, session: Session, actor: Actor, location: str | None = None) -> Session:
    """Change what does not affect seats (the location)."""
    with transaction.atomic():
        session = session_lock(session.pk)
        before = _snapshot(session)
        if location is not None:
            session.location = location
        _validated(session).save(update_fields=["location", "updated_at"])
        audit_record(actor=actor, action="session.updated", obj=session, before=before, after=_snapshot(session))
    return session


def session_change_capacity(*, session: Session, capacity: int, actor: Actor,
                            keep_existing_bookings: bool = False) -> Session:
    """Raise or lower capacity. Below the seats already taken only as an explicit operator decision
    (`keep_existing_bookings`): everyone keeps their seat and no new bookings are taken until the
    session is back under its capacity."""
    if capacity < 1:
        raise BookingError(_("Capacity must be at least 1."), fields={"capacity": [_("Too small.")]})
    with transaction.atomic():
        session = session_lock(session.pk)
        before = _snapshot(session)
        taken = live_seats_booked(session.pk) + session.seats_held
        if capacity < taken and not keep_existing_bookings:
            raise BookingError(
                _("%(taken)d seats are already taken; lowering the capacity to %(capacity)d needs your explicit "
                  "decision to keep those bookings.") % {"taken": taken, "capacity": capacity},
                fields={"capacity": [_("Below the seats already taken.")]},
                code="capacity_below_taken",
            )
        free_before = max(0, session.capacity - taken)
        session.capacity = capacity
        session.accepted_overbooking = max(0, taken - capacity)
        session.save(update_fields=["capacity", "accepted_overbooking", "updated_at"])
        freed = max(0, capacity - taken) - free_before
        if freed > 0:
            events.publish(events.SeatsFreed(session_id=session.pk, seats=freed, reason="session.capacity_raised"))
        audit_record(actor=actor, action="session.capacity_changed", obj=session, before=before,
                     after=_snapshot(session))
    return session


def session_cancel(*, tenant, session: Session, actor: Actor, reason: str) -> Session:
    """Call a session off: every live booking is cancelled with the reason, no new bookings are taken."""
    if not (reason or "").strip():
        raise BookingError(_("Give a reason; the clients will see it."), fields={"reason": [_("Required.")]})
    with transaction.atomic():
        session = session_lock(session.pk)
        before = _snapshot(session)
        session.is_cancelled = True
        session.save(update_fields=["is_cancelled", "updated_at"])
        for booking in Booking.objects.filter(session=session, status__in=Booking.LIVE_STATUSES):
            # The organisation called it off: what was paid comes back in full, whatever the cancellation policy.
            booking_cancel(tenant=tenant, booking=booking, actor=actor, reason=reason, now=timezone.now(),
                           full_refund=True)
        events.publish(events.SessionCancelled(session_id=session.pk, reason=reason))
        audit_record(actor=actor, action="session.cancelled", obj=session, before=before, after=_snapshot(session))
    return session
