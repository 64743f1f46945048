"""The iCalendar document of a subscribed feed: events in the tenant's zone with its VTIMEZONE, so a
calendar app shows the right local times on both sides of a daylight-saving change."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import override
from icalendar import Calendar, Event, vText

from booking_core.models import Booking, CalendarFeed, Session
from tenants.links import tenant_url


def _uid(kind: str, pk: int, tenant) -> str:
    # The same UID as the .ics attached to emails, so an app holding both keeps one event.
    return f"{kind}-{pk}@{tenant.schema_name}.{settings.ALLOT_ROOT_DOMAIN}"


def _calendar_name(feed: CalendarFeed, tenant) -> str:
    if feed.kind == CalendarFeed.Kind.STAFF:
        return f"{tenant.display_name} · {feed.staff.name}"
    if feed.kind == CalendarFeed.Kind.CLIENT:
        return _("My bookings at %(organisation)s") % {"organisation": tenant.display_name}
    return tenant.display_name


def _booking_event(booking: Booking, feed: CalendarFeed, tenant, zone, stamp: dt.datetime) -> Event:
    language = booking.language if feed.kind == CalendarFeed.Kind.CLIENT else tenant.default_language
    event = Event()
    event.add("uid", _uid("booking", booking.pk, tenant))
    summary = booking.service.translated("name", language)
    # Only the staff member's own feed names the client; the organisation's feed may be shared more widely.
    if feed.kind == CalendarFeed.Kind.STAFF:
        summary = f"{summary} · {booking.client.name}"
    event.add("summary", summary)
    event.add("dtstart", booking.starts_at.astimezone(zone))
    event.add("dtend", booking.ends_at.astimezone(zone))
    event.add("dtstamp", stamp)
    event.add("last-modified", booking.updated_at)
    event.add("sequence", int(booking.updated_at.timestamp()))
    event.add("status", "TENTATIVE" if booking.status == Booking.Status.PENDING else "CONFIRMED")
    location = booking.session.location if booking.session_id else ""
    if location:
        event["location"] = vText(location)
    if feed.kind == CalendarFeed.Kind.CLIENT:
        event.add("url", tenant_url(tenant, f"/b/{booking.manage_token}/"))
    else:
        event.add("url", tenant_url(tenant, f"/office/bookings/{booking.pk}/"))
        if booking.staff_id and feed.kind == CalendarFeed.Kind.ORGANISATION:
            event.add("description", booking.staff.name)
    return event


def _session_event(session: Session, tenant, zone, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", _uid("session", session.pk, tenant))
    name = session.service.translated("name", tenant.default_language)
    event.add("summary", f"{name} ({session.seats_booked}/{session.capacity})")
    event.add("dtstart", session.starts_at.astimezone(zone))
    event.add("dtend", session.ends_at.astimezone(zone))
    event.add("dtstamp", stamp)
    event.add("last-modified", session.updated_at)
    event.add("sequence", int(session.updated_at.timestamp()))
    if session.location:
        event["location"] = vText(session.location)
    return event


def feed_ics(feed: CalendarFeed, tenant, *, bookings, sessions, stamp: dt.datetime) -> bytes:
    zone = tenant.zone
    calendar = Calendar()
    calendar.add("prodid", "-//Allot//Calendar feed//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    language = tenant.default_language
    with override(language):
        calendar.add("x-wr-calname", _calendar_name(feed, tenant))
    calendar.add("x-wr-timezone", str(zone))
    # Calendar apps poll a subscription on their own schedule; this asks for about once an hour.
    calendar.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for booking in bookings:
        calendar.add_component(_booking_event(booking, feed, tenant, zone, stamp))
    for session in sessions:
        calendar.add_component(_session_event(session, tenant, zone, stamp))
    calendar.add_missing_timezones()
    return calendar.to_ical()
