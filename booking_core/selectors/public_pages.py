"""Reads for the client-facing booking site: bookable days, start times of a day, upcoming sessions.

Built on `free_slots` (one call loads everything a date range needs, with a fixed number of queries), so
the site shows exactly what the booking services accept: a start time listed here passes `slot_is_free`.
The site shows start times, not staff slots: several staff members free at the same time are one start.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Q, Subquery
from django.utils import timezone

from booking_core.errors import BookingNotFoundError
from booking_core.models import Service, Session
from booking_core.selectors.availability import free_slots
from booking_core.selectors.sessions import sessions_upcoming

NEXT_FREE_SEARCH_DAYS = 14


@dataclass(frozen=True)
class StartTime:
    """A start time of an individual service and the staff members free then (in primary-key order)."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    staff_ids: tuple[int, ...]


def bookable_range(*, service: Service, zone: ZoneInfo, now: dt.datetime | None = None) -> tuple[dt.date, dt.date]:
    """The first and last local dates on which the service can be booked at all (notice and horizon)."""
    now = now or timezone.now()
    first = (now + dt.timedelta(minutes=service.min_notice_minutes)).astimezone(zone).date()
    last = (now + dt.timedelta(days=service.horizon_days)).astimezone(zone).date()
    return first, last


def start_times_by_day(
    *,
    service: Service,
    zone: ZoneInfo,
    date_from: dt.date,
    date_to: dt.date,
    staff_id: int | None = None,
    ignore_booking_id: int | None = None,
    now: dt.datetime | None = None,
) -> dict[dt.date, list[StartTime]]:
    """Free start times between two local dates (inclusive), by local date; days without any are left out."""
    first, last = bookable_range(service=service, zone=zone, now=now)
    date_from, date_to = max(date_from, first), min(date_to, last)
    if date_to < date_from:
        return {}
    slots = free_slots(service=service, zone=zone, date_from=date_from, date_to=date_to, staff_id=staff_id,
                       now=now, ignore_booking_id=ignore_booking_id)
    staff_by_start: dict[tuple[dt.datetime, dt.datetime], list[int]] = defaultdict(list)
    for slot in slots:
        staff_by_start[(slot.starts_at, slot.ends_at)].append(slot.staff_id)
    days: dict[dt.date, list[StartTime]] = defaultdict(list)
    for (starts_at, ends_at), staff_ids in sorted(staff_by_start.items()):
        day = starts_at.astimezone(zone).date()
        if date_from <= day <= date_to:
            days[day].append(StartTime(starts_at, ends_at, tuple(sorted(staff_ids))))
    return dict(days)


def start_time_get(
    *,
    service: Service,
    zone: ZoneInfo,
    starts_at: dt.datetime,
    staff_id: int | None = None,
    ignore_booking_id: int | None = None,
    now: dt.datetime | None = None,
) -> StartTime | None:
    """The start time `starts_at` if it is still free (with that staff member, when given), else None."""
    day = starts_at.astimezone(zone).date()
    times = start_times_by_day(service=service, zone=zone, date_from=day, date_to=day, staff_id=staff_id,
                               ignore_booking_id=ignore_booking_id, now=now)
    return next((start for start in times.get(day, []) if start.starts_at == starts_at), None)


def next_free_start_times(
    *,
    service: Service,
    zone: ZoneInfo,
    after: dt.datetime,
    staff_id: int | None = None,
    count: int = 3,
    ignore_booking_id: int | None = None,
    now: dt.datetime | None = None,
) -> list[StartTime]:
    """The first `count` free start times at or after `after`, looking up to two weeks ahead."""
    day = after.astimezone(zone).date()
    times = start_times_by_day(service=service, zone=zone, date_from=day,
                               date_to=day + dt.timedelta(days=NEXT_FREE_SEARCH_DAYS), staff_id=staff_id,
                               ignore_booking_id=ignore_booking_id, now=now)
    upcoming = [start for day_times in times.values() for start in day_times if start.starts_at >= after]
    return sorted(upcoming, key=lambda start: start.starts_at)[:count]


def sessions_for_clients(
    *, service: Service, after_session_id: int | None = None, limit: int = 30, now: dt.datetime | None = None
) -> tuple[list[Session], bool]:
    """Up to `limit` upcoming sessions of a group service (full ones included), in time order after the
    session `after_session_id` when given (the next page), and whether more follow."""
    sessions = sessions_upcoming(service=service, now=now)
    if after_session_id is not None:
        after = Subquery(Session.objects.filter(pk=after_session_id).values("starts_at")[:1])
        sessions = sessions.filter(Q(starts_at__gt=after) | Q(starts_at=after, pk__gt=after_session_id))
    sessions = list(sessions[: limit + 1])
    for session in sessions:
        session.service = service  # the caller's copy carries the prefetched form and staff
    return sessions[:limit], len(sessions) > limit


def session_get_for_clients(*, service: Service, session_id, now: dt.datetime | None = None) -> Session:
    """One upcoming, not cancelled session of `service`; anything else is a 404."""
    try:
        wanted = int(session_id)
    except (TypeError, ValueError):
        raise BookingNotFoundError("No such session.") from None
    session = sessions_upcoming(service=service, now=now).filter(pk=wanted).first()
    if session is None:
        raise BookingNotFoundError("No such session.")
    session.service = service
    return session
