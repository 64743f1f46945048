"""The back office calendar: a day or a week of appointments and sessions, in the tenant's zone, per staff
member (or resource). Four queries whatever the number of bookings: the appointments, the sessions, the
bookings of those sessions, and the staff members."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from booking_core.models import Booking, Session, StaffMember

# What a calendar shows: bookings that hold or held their time (cancelled ones free it).
SHOWN_STATUSES = (Booking.Status.PENDING, Booking.Status.CONFIRMED, Booking.Status.ATTENDED, Booking.Status.NO_SHOW)


@dataclass
class CalendarSession:
    session: Session
    bookings: list[Booking] = field(default_factory=list)


@dataclass
class CalendarColumn:
    """One column of the day view: a staff member's appointments (staff None: the day's sessions)."""

    staff: StaffMember | None
    appointments: list[Booking] = field(default_factory=list)


@dataclass
class CalendarDay:
    date: dt.date
    appointments: list[Booking] = field(default_factory=list)
    sessions: list[CalendarSession] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.appointments and not self.sessions


def appointments_for_calendar(*, starts_from: dt.datetime, starts_until: dt.datetime,
                              staff_ids: list[int] | None = None) -> QuerySet[Booking]:
    """Individual appointments starting in [starts_from, starts_until), optionally of some staff members only."""
    bookings = Booking.objects.filter(staff__isnull=False, starts_at__gte=starts_from, starts_at__lt=starts_until,
                                      status__in=SHOWN_STATUSES)
    if staff_ids is not None:
        bookings = bookings.filter(staff_id__in=staff_ids)
    return bookings.select_related("service", "staff", "client").order_by("starts_at", "id")


def sessions_for_calendar(*, starts_from: dt.datetime, starts_until: dt.datetime) -> list[CalendarSession]:
    """Sessions starting in [starts_from, starts_until) (cancelled ones included), each with its bookings."""
    sessions = list(Session.objects.filter(starts_at__gte=starts_from, starts_at__lt=starts_until)
                    .select_related("service").order_by("starts_at", "id"))
    entries = {session.pk: CalendarSession(session) for session in sessions}
    if entries:
        bookings = (Booking.objects.filter(session_id__in=list(entries), status__in=SHOWN_STATUSES)
                    .select_related("client").order_by("id"))
        for booking in bookings:
            entries[booking.session_id].bookings.append(booking)
    return list(entries.values())


def calendar_days(*, zone: ZoneInfo, first_day: dt.date, days: int,
                  staff_ids: list[int] | None = None) -> list[CalendarDay]:
    """`days` local days from `first_day`, each with its appointments (of `staff_ids` only, when given) and
    (unless some staff members' calendars are asked for: sessions have no staff member) its sessions."""
    start = dt.datetime.combine(first_day, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(first_day + dt.timedelta(days=days), dt.time.min, tzinfo=zone)
    by_date = {first_day + dt.timedelta(days=offset): CalendarDay(first_day + dt.timedelta(days=offset))
               for offset in range(days)}
    for booking in appointments_for_calendar(starts_from=start, starts_until=end, staff_ids=staff_ids):
        by_date[booking.starts_at.astimezone(zone).date()].appointments.append(booking)
    if staff_ids is None:
        for entry in sessions_for_calendar(starts_from=start, starts_until=end):
            by_date[entry.session.starts_at.astimezone(zone).date()].sessions.append(entry)
    return list(by_date.values())


def day_columns(day: CalendarDay, staff: list[StaffMember]) -> list[CalendarColumn]:
    """A day's appointments in one column per staff member: the active ones, and anyone with an appointment."""
    columns = {member.pk: CalendarColumn(member) for member in staff if member.is_active}
    known = {member.pk: member for member in staff}
    for booking in day.appointments:
        column = columns.get(booking.staff_id)
        if column is None:
            column = columns[booking.staff_id] = CalendarColumn(known.get(booking.staff_id, booking.staff))
        column.appointments.append(booking)
    return list(columns.values())
