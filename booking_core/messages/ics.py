"""iCalendar (.ics) files for bookings: attached to emails and offered on the manage page."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from icalendar import Calendar, Event, vText

from booking_core.models import Booking


def booking_ics(booking: Booking, tenant, *, cancelled: bool = False, manage_url: str = "") -> bytes:
    """One VEVENT in the tenant's time zone (with its VTIMEZONE), stable UID, SEQUENCE that grows."""
    zone = tenant.zone
    calendar = Calendar()
    calendar.add("prodid", "-//Allot//Bookings//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", f"booking-{booking.pk}@{tenant.schema_name}.{settings.ALLOT_ROOT_DOMAIN}")
    event.add("summary", booking.service.translated("name", booking.language))
    event.add("dtstart", booking.starts_at.astimezone(zone))
    event.add("dtend", booking.ends_at.astimezone(zone))
    event.add("dtstamp", dt.datetime.now(dt.UTC))
    # Every change (reschedule, cancellation) must supersede the copy already in the client's calendar.
    event.add("sequence", int(booking.updated_at.timestamp()) if booking.updated_at else 0)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    location = booking.session.location if booking.session_id else (booking.staff.name if booking.staff_id else "")
    if location:
        event["location"] = vText(location)
    organiser = tenant.display_name
    if manage_url:
        event.add("url", manage_url)
        event.add("description", f"{organiser}\n{manage_url}")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
