"""What the sync needs of a calendar, whoever hosts it.

A provider writes events under a UID of ours (so writing twice replaces, never duplicates), deletes them by UID,
and lists the busy periods between two instants, leaving out our own events. It is built from a connection's
details (`ConnectionDetails`: the provider's name, an address, a user and a decrypted secret) and raises
`ProviderError` with a message a person can act on for anything that goes wrong (unreachable, refused login, no
calendar). A CalDAV secret is an app password; an OAuth provider's secret would be its refresh token, and
`connect()` the place where it checks the token and finds the calendar.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

# Every event we write has a UID ending in this; busy_between leaves such events out (our bookings block the
# staff member's time already).
UID_DOMAIN = "allot.booking"


class ProviderError(Exception):
    """The calendar could not be reached or refused; the message is shown in the back office, next to `field`
    of the connection form ("url", "username" or "password")."""

    def __init__(self, message: str, *, field: str = "url"):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ConnectionDetails:
    provider: str
    url: str
    username: str
    secret: str
    calendar_url: str = ""


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    title: str
    description: str = ""
    location: str = ""


class CalendarProvider(Protocol):
    def connect(self) -> str:
        """Check the credentials and find the calendar; returns the calendar's address (kept as calendar_url)."""

    def put_event(self, event: CalendarEvent) -> None:
        """Create the event, or replace the one with the same UID."""

    def delete_event(self, uid: str) -> None:
        """Delete the event with this UID; nothing to delete is not an error."""

    def busy_between(self, start: dt.datetime, end: dt.datetime, *, zone: dt.tzinfo = dt.UTC
                     ) -> list[tuple[dt.datetime, dt.datetime]]:
        """Busy periods overlapping [start, end) as aware instants, recurring events expanded, transparent
        (free) and cancelled events and our own events left out. All-day events and floating times are read
        in `zone` (the organisation's)."""


def booking_uid(schema_name: str, booking_id: int) -> str:
    return f"{schema_name}-{booking_id}@{UID_DOMAIN}"


def is_own_uid(uid: str) -> bool:
    return uid.endswith("@" + UID_DOMAIN)
