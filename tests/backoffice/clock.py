"""The back office tests' fixed clock: a Wednesday morning in Budapest."""

from __future__ import annotations

import datetime as dt
import zoneinfo

BUDAPEST = zoneinfo.ZoneInfo("Europe/Budapest")
NOW = dt.datetime(2026, 6, 10, 9, 0, tzinfo=BUDAPEST)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A time in Budapest in the clock's month."""
    return dt.datetime(2026, 6, day, hour, minute, tzinfo=BUDAPEST)
