"""Reads behind the calendar feeds: which feed a token opens, what it shows, and a cheap version of it."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone

from allot.errors import NotFoundError
from booking_core.models import Booking, CalendarFeed, Session

# A subscribed calendar shows recent history and what is ahead; older bookings stay in the back office.
FEED_PAST = dt.timedelta(days=60)
FEED_AHEAD = dt.timedelta(days=400)
SHOWN_STATUSES = (Booking.Status.PENDING, Booking.Status.CONFIRMED, Booking.Status.ATTENDED,
                  Booking.Status.NO_SHOW)


def feed_get_by_token(*, token: str) -> CalendarFeed:
    feed = CalendarFeed.objects.select_related("staff", "client").filter(token=token).first()
    if feed is None:
        raise NotFoundError("No calendar feed has this address.")
    return feed


def feed_for_organisation() -> CalendarFeed | None:
    return CalendarFeed.objects.filter(kind=CalendarFeed.Kind.ORGANISATION).first()


def feeds_by_staff() -> dict[int, CalendarFeed]:
    return {feed.staff_id: feed for feed in CalendarFeed.objects.filter(kind=CalendarFeed.Kind.STAFF)}


def feed_for_client(*, client_id: int) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(kind=CalendarFeed.Kind.CLIENT, client_id=client_id).first()


def _window(now: dt.datetime) -> Q:
    return Q(starts_at__gte=now - FEED_PAST, starts_at__lt=now + FEED_AHEAD)


def _feed_bookings_all_statuses(feed: CalendarFeed, now: dt.datetime) -> QuerySet[Booking]:
    bookings = Booking.objects.filter(_window(now))
    if feed.kind == CalendarFeed.Kind.STAFF:
        return bookings.filter(staff_id=feed.staff_id)
    if feed.kind == CalendarFeed.Kind.CLIENT:
        return bookings.filter(client_id=feed.client_id)
    # The organisation's feed shows appointments one by one and group sessions as a whole.
    return bookings.filter(session__isnull=True)


def _feed_sessions(feed: CalendarFeed, now: dt.datetime) -> QuerySet[Session]:
    if feed.kind != CalendarFeed.Kind.ORGANISATION:
        return Session.objects.none()
    return Session.objects.filter(_window(now))


def feed_bookings(feed: CalendarFeed, *, now: dt.datetime | None = None) -> QuerySet[Booking]:
    now = now or timezone.now()
    return (_feed_bookings_all_statuses(feed, now).filter(status__in=SHOWN_STATUSES)
            .select_related("service", "staff", "client", "session").order_by("starts_at", "id"))


def feed_sessions(feed: CalendarFeed, *, now: dt.datetime | None = None) -> QuerySet[Session]:
    now = now or timezone.now()
    return _feed_sessions(feed, now).filter(is_cancelled=False).select_related("service").order_by("starts_at", "id")


def feed_version(feed: CalendarFeed, *, zone_name: str, now: dt.datetime | None = None) -> tuple[dt.datetime, str]:
    """(Last-Modified, ETag) from two aggregate queries, so an unchanged feed is answered with 304 without
    building it. Every change to a shown row moves its updated_at; cancelled rows count too (their
    disappearance is a change); the date moves the window; the zone and token reset change every event."""
    now = now or timezone.now()
    bookings = _feed_bookings_all_statuses(feed, now).aggregate(
        changed=Max("updated_at"), service_changed=Max("service__updated_at"), rows=Count("id"),
        shown=Count("id", filter=Q(status__in=SHOWN_STATUSES)))
    # Seat counters move by UPDATE ... SET seats_booked = seats_booked + n, which leaves updated_at alone.
    sessions = _feed_sessions(feed, now).aggregate(
        changed=Max("updated_at"), service_changed=Max("service__updated_at"), rows=Count("id"),
        shown=Count("id", filter=Q(is_cancelled=False)), seats=Sum("seats_booked"))
    moments = [value for value in (bookings["changed"], bookings["service_changed"], sessions["changed"],
                                   sessions["service_changed"], feed.token_reset_at, feed.created_at) if value]
    last_modified = max(moments)
    fingerprint = "|".join(str(part) for part in (
        feed.pk, feed.token_reset_at, zone_name, now.date(), bookings["rows"], bookings["shown"], sessions["rows"],
        sessions["shown"], sessions["seats"],
        *[moment.isoformat() for moment in moments],
    ))
    return last_modified, hashlib.sha256(fingerprint.encode()).hexdigest()[:32]
