"""Reads of group sessions with honest remaining capacity."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from booking_core.errors import BookingNotFoundError
from booking_core.models import Service, Session

FEW_LEFT_THRESHOLD = 0.2  # "few left" when at most a fifth of the seats (or 2) remain


def availability_label(session: Session) -> str:
    """available / few_left / full, as shown to clients."""
    free = session.seats_free
    if free == 0:
        return "full"
    if free <= max(2, int(session.capacity * FEW_LEFT_THRESHOLD)):
        return "few_left"
    return "available"


def sessions_upcoming(*, service: Service, date_from: dt.datetime | None = None,
                      date_to: dt.datetime | None = None, now: dt.datetime | None = None) -> QuerySet[Session]:
    """Bookable-looking sessions of a group service: not cancelled, not started, within the horizon."""
    now = now or timezone.now()
    start = max(filter(None, [date_from, now + dt.timedelta(minutes=service.min_notice_minutes)]))
    end = now + dt.timedelta(days=service.horizon_days)
    if date_to is not None:
        end = min(end, date_to)
    return (
        Session.objects.filter(service=service, is_cancelled=False, starts_at__gte=start, starts_at__lte=end)
        .select_related("service")
        .order_by("starts_at", "id")
    )


def session_get_for_clients(*, service: Service, session_id, now: dt.datetime | None = None) -> Session:
    """One session of `service` that clients may book or wait for: upcoming (past the notice), within the
    horizon and not cancelled; anything else (another service's, another tenant's) is a 404. Every client
    surface (the booking site, the public API, the waitlist) fetches sessions through this."""
    try:
        wanted = int(session_id)
    except (TypeError, ValueError):
        raise BookingNotFoundError("No such session.") from None
    session = sessions_upcoming(service=service, now=now).filter(pk=wanted).first()
    if session is None:
        raise BookingNotFoundError("No such session.")
    session.service = service  # the caller's copy carries the prefetched form and staff
    return session


def session_get_for_operator(*, session_id) -> Session:
    """Any session of this tenant (past and cancelled ones included) for staff; an unknown id is a 404."""
    try:
        wanted = int(session_id)
    except (TypeError, ValueError):
        raise BookingNotFoundError("No such session.") from None
    session = Session.objects.select_related("service").filter(pk=wanted).first()
    if session is None:
        raise BookingNotFoundError("No such session.")
    return session


def sessions_for_operator(*, starts_from: dt.datetime, starts_until: dt.datetime) -> QuerySet[Session]:
    """Every session of this tenant starting in [starts_from, starts_until) (cancelled ones included)."""
    return (
        Session.objects.filter(starts_at__gte=starts_from, starts_at__lt=starts_until)
        .select_related("service")
        .order_by("starts_at", "id")
    )
