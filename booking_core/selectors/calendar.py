"""The back office calendar: a day or a week of appointments and sessions, in the tenant's zone, per staff
member (or resource). Four queries whatever the number of bookings: the appointments, the sessions, the
bookings of those sessions, and the staff members."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from booking_core.models import Booking, Session, StaffMember
from booking_core.models.translated import LANGUAGES, pick_translation

# What a calendar shows: bookings that hold or held their time (cancelled ones free it).
SHOWN_STATUSES = (Booking.Status.PENDING, Booking.Status.CONFIRMED, Booking.Status.ATTENDED, Booking.Status.NO_SHOW)

# A busy week has hundreds of entries: loading each as a Booking with its service, staff member and client
# (every column, a dozen timestamps to parse, four model instances each) was most of the week's time (bench
# backoffice). The calendar reads the columns it shows into plain rows instead; sessions (a few a day) stay
# models, with only the columns shown: reading another field of them costs a query each.
SERVICE_NAME_COLUMNS = ("service__slug", *(f"service__name_{code}" for code in LANGUAGES))
SESSION_FIELDS = ("id", "service_id", "starts_at", "ends_at", "capacity", "location", "seats_booked", "seats_held",
                  "is_cancelled", *SERVICE_NAME_COLUMNS)


@dataclass(slots=True)
class CalendarAppointment:
    """An appointment as the calendar shows it (`service_name` in the active language)."""

    pk: int
    status: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    staff_id: int
    staff_name: str
    service_name: str
    client_name: str


@dataclass(slots=True)
class CalendarSeat:
    """A booking of a session as the calendar shows it."""

    pk: int
    status: str
    seats: int
    client_name: str


@dataclass
class CalendarSession:
    session: Session
    bookings: list[CalendarSeat] = field(default_factory=list)


@dataclass
class CalendarColumn:
    """One column of the day view: a staff member's appointments (staff None: the day's sessions)."""

    staff: StaffMember | None
    appointments: list[CalendarAppointment] = field(default_factory=list)


@dataclass
class CalendarDay:
    date: dt.date
    appointments: list[CalendarAppointment] = field(default_factory=list)
    sessions: list[CalendarSession] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.appointments and not self.sessions


def _service_namer():
    """(service id, slug, names...) -> the name in the active language (as str(service)), once per service."""
    names: dict[int, str] = {}

    def name(service_id: int, slug: str, *translations: str) -> str:
        text = names.get(service_id)
        if text is None:
            text = names[service_id] = pick_translation(dict(zip(LANGUAGES, translations, strict=True))) or slug
        return text

    return name


def appointments_for_calendar(*, starts_from: dt.datetime, starts_until: dt.datetime,
                              staff_ids: list[int] | None = None) -> list[CalendarAppointment]:
    """Individual appointments starting in [starts_from, starts_until), optionally of some staff members only."""
    bookings = Booking.objects.filter(staff__isnull=False, starts_at__gte=starts_from, starts_at__lt=starts_until,
                                      status__in=SHOWN_STATUSES)
    if staff_ids is not None:
        bookings = bookings.filter(staff_id__in=staff_ids)
    service_name = _service_namer()
    rows = bookings.order_by("starts_at", "id").values_list(
        "id", "status", "starts_at", "ends_at", "staff_id", "staff__name", "client__name", "service_id",
        *SERVICE_NAME_COLUMNS)
    return [CalendarAppointment(pk, status, starts_at, ends_at, staff_id, staff_name,
                                service_name(service_id, *service), client_name)
            for pk, status, starts_at, ends_at, staff_id, staff_name, client_name, service_id, *service in rows]


def sessions_for_calendar(*, starts_from: dt.datetime, starts_until: dt.datetime) -> list[CalendarSession]:
    """Sessions starting in [starts_from, starts_until) (cancelled ones included), each with its bookings."""
    sessions = list(Session.objects.filter(starts_at__gte=starts_from, starts_at__lt=starts_until)
                    .select_related("service").only(*SESSION_FIELDS).order_by("starts_at", "id"))
    entries = {session.pk: CalendarSession(session) for session in sessions}
    if entries:
        seats = (Booking.objects.filter(session_id__in=list(entries), status__in=SHOWN_STATUSES).order_by("id")
                 .values_list("session_id", "id", "status", "seats", "client__name"))
        for session_id, *seat in seats:
            entries[session_id].bookings.append(CalendarSeat(*seat))
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
            column = columns[booking.staff_id] = CalendarColumn(
                known.get(booking.staff_id) or StaffMember(pk=booking.staff_id, name=booking.staff_name))
        column.appointments.append(booking)
    return list(columns.values())
