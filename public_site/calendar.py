"""The month grid of the date step: which days exist, which can be picked, where each one leads.

A day with free times leads to its times; a working day that is booked out leads to the same day page,
which offers its waitlist (marked apart, and said so to screen readers); other days are plain text."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import html
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import translation
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.formats import date_format, get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class CalendarDay:
    date: dt.date
    in_month: bool
    bookable: bool
    selected: bool
    url: str | None
    # the full date, for screen readers ("Wednesday, 9 December 2026"; "…: full – join the waitlist";
    # "…: no free times")
    label: str
    full: bool = False  # booked out: the link leads to the day's waitlist

    def cell_html(self) -> SafeString:
        """The day's table cell. Written here rather than in _calendar.html: a month has 35 of them, and
        rendering them with template tags was a good part of the calendar page's cost."""
        return mark_safe(self._cell())  # noqa: S308 - every value is escaped or a number

    def _cell(self) -> str:
        # html.escape is what django.utils.html.escape does, without its lazy-string wrapper (which cost more
        # than the escaping: a month has 35 cells)
        outside = "" if self.in_month else ' class="outside"'
        if self.url:
            marker = 'class="full" data-full-day' if self.full else "data-day"
            current = ' aria-current="date"' if self.selected else ""
            content = (f'<a href="{html.escape(self.url)}" {marker}="{self.date.isoformat()}"{current} '
                       f'aria-label="{html.escape(self.label)}">{self.date.day}</a>')
        else:
            label = f' aria-label="{html.escape(self.label)}"' if self.in_month else ""
            content = f"<span{label}>{self.date.day}</span>"
        return f"<td{outside}>{content}</td>"


@functools.lru_cache(maxsize=4096)
def _day_label(day: dt.date, language: str, bookable: bool, full: bool = False) -> str:
    """Formatting dates is slow and a month has 35 of them: each label is worked out once per process."""
    with translation.override(language):
        # gettext outside the f-strings: makemessages does not look inside them
        if bookable:
            return f"{date_format(day, 'l')}, {date_format(day, 'DATE_FORMAT')}"
        if full:
            note = _("full – join the waitlist")
            return f"{date_format(day, 'l')}, {date_format(day, 'DATE_FORMAT')}: {note}"
        note = _("no free times")
        return f"{date_format(day, 'DATE_FORMAT')}: {note}"


@dataclass(frozen=True)
class MonthCalendar:
    first_day: dt.date
    weekday_names: list[str]
    weeks: list[list[CalendarDay]]
    previous_url: str | None
    next_url: str | None

    def table_html(self) -> SafeString:
        """The month's table: the weekday names and a row of day cells per week, as _calendar.html wrote them
        with two nested loops (a month page's calendar was most of its template work)."""
        head = "".join(f'<th scope="col">{html.escape(name)}</th>' for name in self.weekday_names)
        rows = "".join(f"<tr>\n      {''.join(day._cell() for day in week)}\n    </tr>" for week in self.weeks)
        return mark_safe(  # noqa: S308 - every value is escaped or a number
            f"<table>\n    <thead><tr>{head}</tr></thead>\n    <tbody>\n    {rows}\n    </tbody>\n  </table>")

    @property
    def has_bookable_days(self) -> bool:
        return any(day.bookable for week in self.weeks for day in week)

    @property
    def has_full_days(self) -> bool:
        return any(day.full for week in self.weeks for day in week)


def first_weekday() -> int:
    """The active language's first day of the week, Monday = 0 (Django's setting counts Sunday = 0)."""
    return (int(get_format("FIRST_DAY_OF_WEEK")) - 1) % 7


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_calendar(
    *,
    first_day: dt.date,
    bookable: set[dt.date],
    selected: dt.date | None,
    first_month: dt.date,
    last_month: dt.date,
    day_url: Callable[[dt.date], str],
    month_url: Callable[[dt.date], str],
    full: frozenset[dt.date] | set[dt.date] = frozenset(),
) -> MonthCalendar:
    """The weeks of `first_day`'s month; only days in `bookable` (and booked-out days in `full`, whose page
    offers the waitlist) get a link. Months outside first_month…last_month (the bookable range) get no
    navigation link."""
    start = first_weekday()

    language = translation.get_language() or "en"

    def cell(day: dt.date) -> CalendarDay:
        in_month = day.month == first_day.month
        can_pick = in_month and day in bookable
        booked_out = in_month and not can_pick and day in full
        return CalendarDay(date=day, in_month=in_month, bookable=can_pick, selected=day == selected,
                           url=day_url(day) if can_pick or booked_out else None,
                           label=_day_label(day, language, can_pick, booked_out), full=booked_out)

    weeks = [
        [cell(day) for day in week]
        for week in calendar.Calendar(firstweekday=start).monthdatescalendar(first_day.year, first_day.month)
    ]
    previous_month, next_month = add_months(first_day, -1), add_months(first_day, 1)
    return MonthCalendar(
        first_day=first_day,
        weekday_names=[str(WEEKDAYS_ABBR[(start + offset) % 7]) for offset in range(7)],
        weeks=weeks,
        previous_url=month_url(previous_month) if previous_month >= first_month.replace(day=1) else None,
        next_url=month_url(next_month) if next_month <= last_month.replace(day=1) else None,
    )
