"""Turning a group's weekly slot into concrete sessions, and moving a programme on by calendar months.

Times are taken on the tenant's wall clock: "Mondays 17:00" is 17:00 local time on every Monday of the
period, in winter and in summer time alike, and stored in UTC. The end is the start plus the duration
in elapsed time, so a session that spans a clock change still lasts as long as it says. A start that
falls into the hour skipped in spring is read with the offset before the change (zoneinfo's fold=0),
i.e. it moves one hour later on the clock; a start in the hour repeated in autumn is its first occurrence.
"""

from __future__ import annotations

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

MAX_SESSIONS_PER_GROUP = 60


def weekly_starts(*, weekday: int, start_time: dt.time, first_day: dt.date, last_day: dt.date,
                  zone: ZoneInfo) -> list[dt.datetime]:
    """Every `weekday` (Monday = 0) between the two days inclusive, at `start_time` local time, in UTC."""
    first = first_day + dt.timedelta(days=(weekday - first_day.weekday()) % 7)
    starts = []
    day = first
    while day <= last_day:
        starts.append(dt.datetime.combine(day, start_time, tzinfo=zone).astimezone(dt.UTC))
        day += dt.timedelta(days=7)
    return starts


def session_times(*, weekday: int, start_time: dt.time, duration_minutes: int, first_day: dt.date,
                  last_day: dt.date, zone: ZoneInfo) -> list[tuple[dt.datetime, dt.datetime]]:
    """(starts_at, ends_at) in UTC of each session of a weekly slot in the period."""
    duration = dt.timedelta(minutes=duration_minutes)
    return [(start, start + duration) for start in weekly_starts(
        weekday=weekday, start_time=start_time, first_day=first_day, last_day=last_day, zone=zone)]


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; the 31st becomes the last day of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def is_month_end(day: dt.date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def shift_period(period_start: dt.date, period_end: dt.date, months: int = 1) -> tuple[dt.date, dt.date]:
    """The next period: a whole month stays a whole month (December 1-31 becomes January 1-31)."""
    start = add_months(period_start, months)
    end = add_months(period_end, months)
    if is_month_end(period_end):
        end = dt.date(end.year, end.month, calendar.monthrange(end.year, end.month)[1])
    return start, end


def shift_local(moment: dt.datetime, zone: ZoneInfo, months: int = 1) -> dt.datetime:
    """The same local wall-clock time `months` later (a window opening at 09:00 keeps opening at 09:00)."""
    local = moment.astimezone(zone)
    day = add_months(local.date(), months)
    return dt.datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=zone).astimezone(dt.UTC)
