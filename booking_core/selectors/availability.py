"""Free appointment slots for individual services.

The arithmetic is a pure function (`free_slots_from`) over windows and busy intervals, so it can be
tested exhaustively with hypothesis; `free_slots` loads those inputs for a service and date range with
a fixed number of queries. Working hours are local wall-clock times in the tenant's zone; everything is
compared in absolute (UTC) time, which keeps durations right on the days clocks change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import weakref
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone

from booking_core.models import (
    AvailabilityOverride,
    Booking,
    CalendarBusyBlock,
    Offer,
    Service,
    StaffMember,
    TimeOff,
    WorkingHours,
)

Interval = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True, order=True)
class Slot:
    starts_at: dt.datetime
    ends_at: dt.datetime
    staff_id: int


def local_window(day: dt.date, start: dt.time, end: dt.time, zone: ZoneInfo) -> Interval:
    """A wall-clock window on `day` as absolute times.

    A time inside a spring-forward gap is read with the offset before the change (PEP 495, fold=0),
    which lands it on the first real instant after the gap; an ambiguous fall-back time means its
    first occurrence.
    """
    starts = dt.datetime.combine(day, start, tzinfo=zone).astimezone(dt.UTC)
    ends = dt.datetime.combine(day, end, tzinfo=zone).astimezone(dt.UTC)
    return starts, ends


class _BusyTimes:
    """Busy intervals sorted by start, with the latest end so far: "does [start, end) overlap any of them" is
    one bisection instead of a scan (a month's calendar asks it for every candidate start)."""

    def __init__(self, busy: Iterable[Interval]):
        ordered = sorted(busy)
        self.starts = [busy_start for busy_start, _busy_end in ordered]
        self.latest_end = list(accumulate((busy_end for _busy_start, busy_end in ordered), max))

    def overlaps(self, start: dt.datetime, end: dt.datetime) -> bool:
        beginning_before_end = bisect_left(self.starts, end)
        return beginning_before_end > 0 and self.latest_end[beginning_before_end - 1] > start


def free_slots_from(
    *,
    windows: Iterable[Interval],
    busy: list[Interval],
    duration: dt.timedelta,
    buffer_before: dt.timedelta,
    buffer_after: dt.timedelta,
    interval: dt.timedelta,
    earliest: dt.datetime,
    latest: dt.datetime,
) -> list[Interval]:
    """Start/end of every free slot: inside a window, starting on the window's grid, its buffered span
    clear of every busy interval, starting no earlier than `earliest` and no later than `latest`."""
    slots: dict[dt.datetime, Interval] = {}
    busy_times = _BusyTimes(busy)
    for window_start, window_end in windows:
        start = window_start
        while start + duration <= window_end:
            end = start + duration
            if earliest <= start <= latest and not busy_times.overlaps(start - buffer_before, end + buffer_after):
                slots[start] = (start, end)
            start += interval
    return sorted(slots.values())


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=offset) for offset in range((last - first).days + 1)]


@dataclass
class StaffCalendars:
    """Everything that decides a service's free times over a range of dates, loaded once: who serves it, their
    weekly hours and date overrides, and what takes their time (live bookings and open offers apart from time
    off, so the same load also answers "free if nobody had booked")."""

    staff_ids: list[int]
    weekly: dict[tuple[int, int], list[tuple[dt.time, dt.time]]]
    overrides: dict[tuple[int, dt.date], list[tuple[dt.time, dt.time] | None]]
    booked: dict[int, list[Interval]]
    time_off: dict[int, list[Interval]]

    def day_windows(self, staff: int, day: dt.date) -> list[tuple[dt.time, dt.time]]:
        """The staff member's working hours on `day`, local: the date's overrides if any, else the week's."""
        if (staff, day) in self.overrides:
            return [window for window in self.overrides[(staff, day)] if window is not None]
        return self.weekly.get((staff, day.weekday()), [])

    def busy(self, staff: int, *, as_if_unbooked: bool = False) -> list[Interval]:
        if as_if_unbooked:
            return self.time_off.get(staff, [])
        return self.booked.get(staff, []) + self.time_off.get(staff, [])


def staff_calendars_load(
    *,
    service: Service,
    zone: ZoneInfo,
    date_from: dt.date,
    date_to: dt.date,
    staff_id: int | None = None,
    ignore_booking_id: int | None = None,
    include_booked: bool = True,
) -> StaffCalendars:
    """The staff calendars of an individual service between two local dates (inclusive), in one query whatever
    the range: the weekly hours, overrides, time off, live bookings and open offers of its active staff (or
    of `staff_id`). A staff member with neither hours nor overrides has no free time and is left out.

    One round trip of plain SQL because this is what every uncached calendar page waits for: building the
    same as five ORM querysets joined by UNION ALL cost more than running it, and every extra round trip waits
    for a busy database's turn."""
    calendars = StaffCalendars([], defaultdict(list), defaultdict(list), defaultdict(list), defaultdict(list))
    if date_to < date_from:
        return calendars
    range_start = local_window(date_from, dt.time(0), dt.time(0), zone)[0] - dt.timedelta(days=1)
    range_end = local_window(date_to, dt.time(0), dt.time(0), zone)[0] + dt.timedelta(days=2)
    sql, params = _calendars_sql(service_id=service.pk, staff_id=staff_id, date_from=date_from, date_to=date_to,
                                 range_start=range_start, range_end=range_end, ignore_booking_id=ignore_booking_id,
                                 include_booked=include_booked)
    with connection.cursor() as cursor:
        _execute_prepared(cursor, sql, params)
        rows = cursor.fetchall()
    epoch = _EPOCH
    for kind, member, weekday, date, start_time, end_time, starts_at, ends_at in rows:
        if kind == _WEEKLY:
            calendars.weekly[(member, weekday)].append((start_time, end_time))
        elif kind == _OVERRIDE:
            # no times: not working that day (AvailabilityOverride.is_working)
            calendars.overrides[(member, date)].append((start_time, end_time) if start_time is not None else None)
        elif kind == _TIME_OFF:
            calendars.time_off[member].append((epoch + dt.timedelta(microseconds=starts_at),
                                               epoch + dt.timedelta(microseconds=ends_at)))
        else:
            calendars.booked[member].append((epoch + dt.timedelta(microseconds=starts_at),
                                             epoch + dt.timedelta(microseconds=ends_at)))
    calendars.staff_ids = sorted({member for member, _weekday in calendars.weekly}
                                 | {member for member, _date in calendars.overrides})
    return calendars


# The database connections (psycopg's) and the statements prepared on each: see _execute_prepared.
_prepared_on: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _execute_prepared(cursor, sql: str, params: list) -> None:
    """Run the calendars query as a statement prepared once per database connection: planning its UNION of
    six branches took PostgreSQL about 2 ms, eight times as long as running it (the biggest single cost of
    an uncached calendar page), and a prepared statement is planned once (PostgreSQL keeps a generic plan
    after a few runs). Tables are looked up in the connection's search path: PostgreSQL parses a prepared
    statement again whenever the search path changed since its last run, so every tenant reads its own
    schema. A prepared statement outlives a rolled-back transaction (PREPARE is not transactional), so what
    is remembered here stays true; a new connection prepares afresh."""
    raw_connection = cursor.cursor.connection
    prepared = _prepared_on.get(raw_connection)
    if prepared is None:
        prepared = _prepared_on.setdefault(raw_connection, set())
    name = f"allot_calendars_{hashlib.blake2b(sql.encode(), digest_size=8).hexdigest()}"
    if name not in prepared:
        numbers = iter(range(1, len(params) + 1))
        cursor.execute(f"PREPARE {name} AS {_PLACEHOLDER.sub(lambda _match: f'${next(numbers)}', sql)}")
        prepared.add(name)
    cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})", params)


_PLACEHOLDER = re.compile(r"%s")
_STATUS_VALUE = re.compile(r"[a-z_]+")


def _status_literals(statuses) -> str:
    """The statuses as SQL literals in the statement: they are the code's own constants, and sending them as
    array parameters cost more to encode on every uncached page than the rest of the query's parameters."""
    values = sorted(str(status) for status in statuses)
    if not all(_STATUS_VALUE.fullmatch(value) for value in values):
        raise ValueError(f"not a status value: {values!r}")
    return ", ".join(f"'{value}'" for value in values)

_WEEKLY, _OVERRIDE, _TIME_OFF, _BOOKED = 0, 1, 2, 3
# Instants come back as whole microseconds since the epoch: a busy month has hundreds of them, and turning
# integers into datetimes here is several times cheaper than parsing each timestamptz's text.
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _micros(column: str) -> str:
    return f'(EXTRACT(EPOCH FROM "{column}") * 1000000)::bigint'


def _calendars_sql(*, service_id: int, staff_id: int | None, date_from: dt.date, date_to: dt.date,
                   range_start: dt.datetime, range_end: dt.datetime, ignore_booking_id: int | None,
                   include_booked: bool) -> tuple[str, list]:
    """The query of staff_calendars_load: one UNION ALL branch per kind of row, each limited to the service's
    active staff; rows are (kind, staff, weekday, date, start time, end time, starts at, ends at). Time held
    for an open waitlist offer is as taken as a booking until the offer is answered."""
    through = StaffMember.services.through._meta
    staff_sql = (
        f'SELECT m."id" FROM "{StaffMember._meta.db_table}" m JOIN "{through.db_table}" s '
        f'ON s."{through.get_field("staffmember").column}" = m."id" '
        f'WHERE s."{through.get_field("service").column}" = %s AND m."is_active"'
    )
    staff_params: list = [service_id]
    if staff_id is not None:
        staff_sql += ' AND m."id" = %s'
        staff_params.append(staff_id)
    # The staff are worked out once (a materialised CTE) rather than in each branch: planning the same join
    # five times cost more than running the whole query.
    in_staff = 'SELECT "id" FROM "active_staff"'
    branches = [
        (f'SELECT {_WEEKLY}, "staff_id", "weekday", NULL::date, "start_time", "end_time", NULL::bigint, '
         f'NULL::bigint FROM "{WorkingHours._meta.db_table}" WHERE "staff_id" IN ({in_staff})',
         []),
        (f'SELECT {_OVERRIDE}, "staff_id", NULL, "date", "start_time", "end_time", NULL, NULL '
         f'FROM "{AvailabilityOverride._meta.db_table}" WHERE "staff_id" IN ({in_staff}) '
         f'AND "date" BETWEEN %s AND %s', [date_from, date_to]),
        (f'SELECT {_TIME_OFF}, "staff_id", NULL, NULL, NULL, NULL, {_micros("starts_at")}, '
         f'{_micros("ends_at")} '
         f'FROM "{TimeOff._meta.db_table}" WHERE "staff_id" IN ({in_staff}) '
         f'AND "starts_at" < %s AND "ends_at" > %s', [range_end, range_start]),
        # Busy times read from the staff member's connected calendar (booking_core.calendar_sync) count as
        # time off.
        (f'SELECT {_TIME_OFF}, "staff_id", NULL, NULL, NULL, NULL, {_micros("starts_at")}, '
         f'{_micros("ends_at")} '
         f'FROM "{CalendarBusyBlock._meta.db_table}" WHERE "staff_id" IN ({in_staff}) '
         f'AND "starts_at" < %s AND "ends_at" > %s', [range_end, range_start]),
    ]
    if include_booked:
        not_ignored = ' AND "id" <> %s' if ignore_booking_id is not None else ""
        branches.append((
            f'SELECT {_BOOKED}, "staff_id", NULL, NULL, NULL, NULL, {_micros("blocked_from")}, '
            f'{_micros("blocked_until")} '
            f'FROM "{Booking._meta.db_table}" WHERE "staff_id" IN ({in_staff}) '
            f'AND "status" IN ({_status_literals(Booking.LIVE_STATUSES)}) '
            f'AND "blocked_from" < %s AND "blocked_until" > %s{not_ignored}',
            [range_end, range_start, *([ignore_booking_id] if ignore_booking_id is not None else [])]))
        branches.append((
            f'SELECT {_BOOKED}, "staff_id", NULL, NULL, NULL, NULL, {_micros("blocked_from")}, '
            f'{_micros("blocked_until")} '
            f'FROM "{Offer._meta.db_table}" WHERE "staff_id" IN ({in_staff}) '
            f'AND "status" IN ({_status_literals(Offer.OPEN_STATUSES)}) '
            f'AND "blocked_from" < %s AND "blocked_until" > %s',
            [range_end, range_start]))
    return (f'WITH "active_staff" AS MATERIALIZED ({staff_sql}) '
            + " UNION ALL ".join(sql for sql, _params in branches),
            [*staff_params, *(param for _sql, params in branches for param in params)])


@dataclass(frozen=True)
class SlotRules:
    """A service's slot arithmetic: length, buffers, grid, and the earliest and latest start (notice, horizon)."""

    duration: dt.timedelta
    buffer_before: dt.timedelta
    buffer_after: dt.timedelta
    interval: dt.timedelta
    earliest: dt.datetime
    latest: dt.datetime

    @classmethod
    def of(cls, service: Service, now: dt.datetime) -> SlotRules:
        return cls(
            duration=dt.timedelta(minutes=service.duration_minutes),
            buffer_before=dt.timedelta(minutes=service.buffer_before_minutes),
            buffer_after=dt.timedelta(minutes=service.buffer_after_minutes),
            interval=dt.timedelta(minutes=service.slot_interval_minutes),
            earliest=now + dt.timedelta(minutes=service.min_notice_minutes),
            latest=now + dt.timedelta(days=service.horizon_days),
        )


def free_slots_in(calendars: StaffCalendars, *, rules: SlotRules, zone: ZoneInfo, days: list[dt.date],
                  as_if_unbooked: bool = False) -> list[Slot]:
    """The free slots of loaded calendars on `days` (what `free_slots` returns, without loading anything)."""
    slots = []
    for staff in calendars.staff_ids:
        windows = sorted(local_window(day, start, end, zone)
                         for day in days for start, end in calendars.day_windows(staff, day))
        for start, end in free_slots_from(
            windows=windows, busy=calendars.busy(staff, as_if_unbooked=as_if_unbooked),
            duration=rules.duration, buffer_before=rules.buffer_before, buffer_after=rules.buffer_after,
            interval=rules.interval, earliest=rules.earliest, latest=rules.latest,
        ):
            slots.append(Slot(start, end, staff))
    # by (start, end, staff) as Slot's ordering, with a plain tuple key (the dataclass's __lt__ is slow)
    return sorted(slots, key=lambda slot: (slot.starts_at, slot.ends_at, slot.staff_id))


def free_slots(
    *,
    service: Service,
    zone: ZoneInfo,
    date_from: dt.date,
    date_to: dt.date,
    staff_id: int | None = None,
    now: dt.datetime | None = None,
    ignore_booking_id: int | None = None,
    as_if_unbooked: bool = False,
) -> list[Slot]:
    """Free slots of an individual service between two local dates (inclusive), for one or all staff.

    `as_if_unbooked`: the slots there would be if nobody had booked (working hours, overrides, time off,
    notice and horizon only), which tells a booked-out working day from a day off.
    """
    now = now or timezone.now()
    calendars = staff_calendars_load(service=service, zone=zone, date_from=date_from, date_to=date_to,
                                     staff_id=staff_id, ignore_booking_id=ignore_booking_id,
                                     include_booked=not as_if_unbooked)
    if not calendars.staff_ids or date_to < date_from:
        return []
    return free_slots_in(calendars, rules=SlotRules.of(service, now), zone=zone, days=_days(date_from, date_to),
                         as_if_unbooked=as_if_unbooked)


@dataclass(frozen=True)
class DaysOverview:
    """Of a range of days: those with a free slot, and those without one that would have one if nobody had
    booked (booked out)."""

    free: set[dt.date]
    booked_out: set[dt.date]


def _has_free_slot(windows: list[Interval], busy: _BusyTimes, rules: SlotRules) -> bool:
    """Whether any grid start of the windows is free: a sweep that stops at the first one, with the busy
    pointer moving forward only (candidate ends grow within a window), so a day costs its candidates plus
    its busy intervals."""
    for window_start, window_end in windows:
        start = max(window_start, _first_grid_start(window_start, rules.earliest, rules.interval))
        index = None
        while start + rules.duration <= window_end and start <= rules.latest:
            span_end = start + rules.duration + rules.buffer_after
            if index is None:
                index = bisect_left(busy.starts, span_end)
            else:
                while index < len(busy.starts) and busy.starts[index] < span_end:
                    index += 1
            if index == 0 or busy.latest_end[index - 1] <= start - rules.buffer_before:
                return True
            start += rules.interval
    return False


def _first_grid_start(window_start: dt.datetime, earliest: dt.datetime, interval: dt.timedelta) -> dt.datetime:
    """The first start on the window's grid that is not before `earliest`."""
    if earliest <= window_start:
        return window_start
    steps = -((window_start - earliest) // interval)  # ceiling of (earliest - window_start) / interval
    return window_start + steps * interval


def days_overview(calendars: StaffCalendars, *, rules: SlotRules, zone: ZoneInfo, days: list[dt.date]) -> DaysOverview:
    """Which of `days` have a free slot and which are booked out, from loaded calendars: one pass over each
    staff member's busy time per day (no slot lists, no per-day queries)."""
    free: set[dt.date] = set()
    open_if_unbooked: set[dt.date] = set()
    for staff in calendars.staff_ids:
        busy = _BusyTimes(calendars.busy(staff))
        time_off = _BusyTimes(calendars.busy(staff, as_if_unbooked=True))
        for day in days:
            if day in free:
                continue
            windows = sorted(local_window(day, start, end, zone) for start, end in calendars.day_windows(staff, day))
            if not windows:
                continue
            if _has_free_slot(windows, busy, rules):
                free.add(day)
            elif day not in open_if_unbooked and _has_free_slot(windows, time_off, rules):
                open_if_unbooked.add(day)
    return DaysOverview(free=free, booked_out=open_if_unbooked - free)


def slot_is_free(*, service: Service, zone: ZoneInfo, staff_id: int, starts_at: dt.datetime,
                 now: dt.datetime | None = None, ignore_booking_id: int | None = None) -> bool:
    """Whether `starts_at` is one of the offered free slots of that staff member (same rules as listing)."""
    local_day = starts_at.astimezone(zone).date()
    candidates = free_slots(
        service=service, zone=zone, date_from=local_day, date_to=local_day,
        staff_id=staff_id, now=now, ignore_booking_id=ignore_booking_id,
    )
    return any(slot.starts_at == starts_at for slot in candidates)
