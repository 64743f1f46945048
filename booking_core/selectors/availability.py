"""Free appointment slots for individual services.

The arithmetic is a pure function (`free_slots_from`) over windows and busy intervals, so it can be
tested exhaustively with hypothesis; `free_slots` loads those inputs for a service and date range with
a fixed number of queries. Working hours are local wall-clock times in the tenant's zone; everything is
compared in absolute (UTC) time, which keeps durations right on the days clocks change.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from booking_core.models import AvailabilityOverride, Booking, Offer, Service, StaffMember, TimeOff, WorkingHours

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
    staff_members = StaffMember.objects.filter(services=service, is_active=True)
    if staff_id is not None:
        staff_members = staff_members.filter(pk=staff_id)
    staff_ids = list(staff_members.order_by("pk").values_list("pk", flat=True))
    if not staff_ids or date_to < date_from:
        return []
    days = _days(date_from, date_to)
    range_start = local_window(date_from, dt.time(0), dt.time(0), zone)[0] - dt.timedelta(days=1)
    range_end = local_window(date_to, dt.time(0), dt.time(0), zone)[0] + dt.timedelta(days=2)

    weekly: dict[tuple[int, int], list[tuple[dt.time, dt.time]]] = defaultdict(list)
    for hours in WorkingHours.objects.filter(staff_id__in=staff_ids):
        weekly[(hours.staff_id, hours.weekday)].append((hours.start_time, hours.end_time))
    overrides: dict[tuple[int, dt.date], list[tuple[dt.time, dt.time] | None]] = defaultdict(list)
    for override in AvailabilityOverride.objects.filter(staff_id__in=staff_ids, date__range=(date_from, date_to)):
        overrides[(override.staff_id, override.date)].append(
            (override.start_time, override.end_time) if override.is_working else None
        )
    busy: dict[int, list[Interval]] = defaultdict(list)
    if not as_if_unbooked:
        _add_booked_time(busy, staff_ids, range_start, range_end, ignore_booking_id)
    for time_off in TimeOff.objects.filter(Q(staff_id__in=staff_ids), starts_at__lt=range_end, ends_at__gt=range_start):
        busy[time_off.staff_id].append((time_off.starts_at, time_off.ends_at))

    earliest = now + dt.timedelta(minutes=service.min_notice_minutes)
    latest = now + dt.timedelta(days=service.horizon_days)
    slots = []
    for staff in staff_ids:
        windows = []
        for day in days:
            if (staff, day) in overrides:
                day_windows = [window for window in overrides[(staff, day)] if window is not None]
            else:
                day_windows = weekly.get((staff, day.weekday()), [])
            windows += [local_window(day, start, end, zone) for start, end in day_windows]
        for start, end in free_slots_from(
            windows=sorted(windows),
            busy=busy[staff],
            duration=dt.timedelta(minutes=service.duration_minutes),
            buffer_before=dt.timedelta(minutes=service.buffer_before_minutes),
            buffer_after=dt.timedelta(minutes=service.buffer_after_minutes),
            interval=dt.timedelta(minutes=service.slot_interval_minutes),
            earliest=earliest,
            latest=latest,
        ):
            slots.append(Slot(start, end, staff))
    return sorted(slots)


def _add_booked_time(busy: dict[int, list[Interval]], staff_ids: list[int], range_start: dt.datetime,
                     range_end: dt.datetime, ignore_booking_id: int | None) -> None:
    """Time taken by live bookings and held by open waitlist offers, per staff member."""
    bookings = Booking.objects.filter(
        staff_id__in=staff_ids, status__in=Booking.LIVE_STATUSES,
        blocked_from__lt=range_end, blocked_until__gt=range_start,
    )
    if ignore_booking_id is not None:
        bookings = bookings.exclude(pk=ignore_booking_id)
    for staff, blocked_from, blocked_until in bookings.values_list("staff_id", "blocked_from", "blocked_until"):
        busy[staff].append((blocked_from, blocked_until))
    # Time held for a waitlist offer is as taken as a booking until the offer is answered.
    held = Offer.objects.filter(staff_id__in=staff_ids, status__in=Offer.OPEN_STATUSES,
                                blocked_from__lt=range_end, blocked_until__gt=range_start)
    for staff, blocked_from, blocked_until in held.values_list("staff_id", "blocked_from", "blocked_until"):
        busy[staff].append((blocked_from, blocked_until))


def slot_is_free(*, service: Service, zone: ZoneInfo, staff_id: int, starts_at: dt.datetime,
                 now: dt.datetime | None = None, ignore_booking_id: int | None = None) -> bool:
    """Whether `starts_at` is one of the offered free slots of that staff member (same rules as listing)."""
    local_day = starts_at.astimezone(zone).date()
    candidates = free_slots(
        service=service, zone=zone, date_from=local_day, date_to=local_day,
        staff_id=staff_id, now=now, ignore_booking_id=ignore_booking_id,
    )
    return any(slot.starts_at == starts_at for slot in candidates)
