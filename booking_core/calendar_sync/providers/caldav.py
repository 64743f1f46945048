"""CalDAV (RFC 4791) through the `caldav` library: Nextcloud, iCloud, Fastmail, Radicale, Baïkal...

The address may be the server's, the account's or one calendar's: connect() finds the account's calendars and
keeps the one at the address given, else the first one, else creates one named "Allot". Events are written as
one VEVENT each, stored under their UID (so writing again replaces); busy times are a time-range search with
recurring events expanded (the server's free-busy report is optional in CalDAV and often missing).
"""

from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import urlsplit

import caldav
from caldav.lib import error as caldav_error
from django.conf import settings
from icalendar import Calendar, Event
from requests import exceptions as http_exceptions

from booking_core.calendar_sync.providers.base import CalendarEvent, ConnectionDetails, ProviderError, is_own_uid

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 20
NEW_CALENDAR_NAME = "Allot"


def _same_collection(first: str, second: str) -> bool:
    return first.rstrip("/") == second.rstrip("/")


def _as_instant(value, zone: dt.tzinfo) -> dt.datetime:
    """A DTSTART/DTEND value as an aware instant: all-day dates from the start of their day and floating times,
    both in `zone` (the organisation's)."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    return dt.datetime.combine(value, dt.time(0), tzinfo=zone)


def _explained(error: Exception) -> ProviderError:
    """What went wrong, in words a staff member can act on (the details go to the log)."""
    if isinstance(error, ProviderError):
        return error
    if isinstance(error, caldav_error.AuthorizationError):
        return ProviderError("The server refused the user name or app password.", field="password")
    if isinstance(error, caldav_error.NotFoundError):
        return ProviderError("No CalDAV calendar was found at this address.")
    if isinstance(error, http_exceptions.Timeout):
        return ProviderError("The calendar server did not answer in time.")
    if isinstance(error, http_exceptions.ConnectionError | ConnectionError):
        return ProviderError("The calendar server could not be reached at this address.")
    if isinstance(error, caldav_error.DAVError):
        return ProviderError(f"The calendar server answered with an error ({str(error).strip()[:200]}).")
    logger.warning("unexpected CalDAV error", exc_info=error)
    return ProviderError(f"The calendar could not be used ({type(error).__name__}).")


class CalDavProvider:
    def __init__(self, details: ConnectionDetails):
        self.details = details
        scheme = urlsplit(details.url).scheme
        if scheme != "https" and not (scheme == "http" and getattr(settings, "CALENDAR_SYNC_ALLOW_HTTP", False)):
            raise ProviderError("The address must start with https://.")
        self._client = caldav.DAVClient(url=details.url, username=details.username, password=details.secret,
                                        timeout=TIMEOUT_SECONDS)
        self._calendar = None

    # --- connecting ---

    def connect(self) -> str:
        try:
            principal = self._client.principal()
            calendars = principal.calendars()
            chosen = next((calendar for calendar in calendars if _same_collection(str(calendar.url), self.details.url)),
                          None) or (calendars[0] if calendars else None)
            if chosen is None:
                chosen = principal.make_calendar(name=NEW_CALENDAR_NAME)
        except Exception as error:
            raise _explained(error) from None
        self._calendar = chosen
        return str(chosen.url)

    def _collection(self):
        if self._calendar is None:
            if self.details.calendar_url:
                self._calendar = self._client.calendar(url=self.details.calendar_url)
            else:
                self.connect()
        return self._calendar

    def _call(self, what: str, function):
        try:
            return function()
        except ProviderError:
            raise
        except Exception as error:
            explained = _explained(error)
            raise ProviderError(f"{what}: {explained}", field=explained.field) from None

    # --- the interface ---

    def put_event(self, event: CalendarEvent) -> None:
        calendar = Calendar()
        calendar.add("prodid", "-//Allot//Calendar sync//EN")
        calendar.add("version", "2.0")
        vevent = Event()
        vevent.add("uid", event.uid)
        vevent.add("dtstamp", dt.datetime.now(dt.UTC))
        vevent.add("dtstart", event.starts_at.astimezone(dt.UTC))
        vevent.add("dtend", event.ends_at.astimezone(dt.UTC))
        vevent.add("summary", event.title)
        if event.description:
            vevent.add("description", event.description)
        if event.location:
            vevent.add("location", event.location)
        calendar.add_component(vevent)
        self._call("Writing a booking", lambda: self._collection().save_event(calendar.to_ical().decode()))

    def delete_event(self, uid: str) -> None:
        def delete():
            try:
                self._collection().event_by_uid(uid).delete()
            except caldav_error.NotFoundError:
                pass

        self._call("Deleting a booking", delete)

    def busy_between(self, start: dt.datetime, end: dt.datetime, *, zone: dt.tzinfo = dt.UTC
                     ) -> list[tuple[dt.datetime, dt.datetime]]:
        found = self._call("Reading busy times", lambda: self._collection().search(
            start=start, end=end, event=True, expand=True))
        busy = []
        for item in found:
            for component in item.icalendar_instance.walk("VEVENT"):
                uid = str(component.get("uid", ""))
                if is_own_uid(uid) or str(component.get("transp", "OPAQUE")).upper() == "TRANSPARENT" \
                        or str(component.get("status", "")).upper() == "CANCELLED" or "dtstart" not in component:
                    continue
                starts = _as_instant(component.decoded("dtstart"), zone)
                if "dtend" in component:
                    ends = _as_instant(component.decoded("dtend"), zone)
                elif "duration" in component:
                    ends = starts + component.decoded("duration")
                else:  # RFC 5545: a date lasts a day, a date-time no time at all
                    ends = starts + (dt.timedelta(days=1) if not isinstance(component.decoded("dtstart"), dt.datetime)
                                     else dt.timedelta(0))
                if ends > starts and starts < end and ends > start:
                    busy.append((starts, ends))
        return sorted(busy)
