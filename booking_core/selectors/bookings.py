"""Reads of bookings: by secret token for clients, filtered lists for operators."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from booking_core.errors import BookingNotFoundError
from booking_core.models import Booking


def _with_relations(queryset: QuerySet[Booking]) -> QuerySet[Booking]:
    return queryset.select_related("service", "session", "staff", "client")


def booking_get_by_token(*, token: str) -> Booking:
    """The booking behind a client's manage link; an unknown token is a 404, never a hint."""
    booking = _with_relations(Booking.objects.filter(manage_token=token)).first() if token else None
    if booking is None:
        raise BookingNotFoundError("No booking with this link.")
    return booking


def booking_get_for_operator(*, booking_id) -> Booking:
    """A booking of the current tenant (another tenant's id simply does not exist here)."""
    booking = _with_relations(Booking.objects.filter(pk=booking_id)).first()
    if booking is None:
        raise BookingNotFoundError("No such booking.")
    return booking


def bookings_for_operator(
    *,
    status: str | None = None,
    service_id: int | None = None,
    session_id: int | None = None,
    staff_id: int | None = None,
    client_email: str | None = None,
    starts_from: dt.datetime | None = None,
    starts_until: dt.datetime | None = None,
) -> QuerySet[Booking]:
    bookings = _with_relations(Booking.objects.all())
    if status:
        bookings = bookings.filter(status=status)
    if service_id:
        bookings = bookings.filter(service_id=service_id)
    if session_id:
        bookings = bookings.filter(session_id=session_id)
    if staff_id:
        bookings = bookings.filter(staff_id=staff_id)
    if client_email:
        bookings = bookings.filter(client__email__iexact=client_email.strip())
    if starts_from:
        bookings = bookings.filter(starts_at__gte=starts_from)
    if starts_until:
        bookings = bookings.filter(starts_at__lt=starts_until)
    return bookings.order_by("starts_at", "id")
