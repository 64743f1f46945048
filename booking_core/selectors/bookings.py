"""Reads of bookings: by secret token for clients, filtered lists for operators."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import Q, QuerySet

from allot.outbox.models import OutboxMessage
from booking_core.errors import BookingNotFoundError
from booking_core.models import AuditEntry, Booking


def _with_relations(queryset: QuerySet[Booking]) -> QuerySet[Booking]:
    return queryset.select_related("service", "session", "staff", "client")


def booking_get_by_token(*, token: str) -> Booking:
    """The booking behind a client's manage link; an unknown token is a 404, never a hint."""
    booking = _with_relations(Booking.objects.filter(manage_token=token)).first() if token else None
    if booking is None:
        raise BookingNotFoundError("No booking with this link.")
    return booking


def booking_get_for_operator(*, booking_id, staff_ids: list[int] | None = None) -> Booking:
    """A booking of the current tenant (another tenant's id simply does not exist here). `staff_ids` (a member
    with the staff role: their own calendar) limits it to those staff members' appointments."""
    bookings = Booking.objects.filter(pk=booking_id)
    if staff_ids is not None:
        bookings = bookings.filter(staff_id__in=staff_ids)
    booking = _with_relations(bookings).first()
    if booking is None:
        raise BookingNotFoundError("No such booking.")
    return booking


OPERATOR_ORDERS = {
    "start": ("starts_at", "id"),
    "-start": ("-starts_at", "-id"),
    "-created": ("-created_at", "-id"),
}


def bookings_for_operator(
    *,
    status: str | None = None,
    service_id: int | None = None,
    session_id: int | None = None,
    staff_id: int | None = None,
    client_email: str | None = None,
    client_query: str | None = None,
    source: str | None = None,
    starts_from: dt.datetime | None = None,
    starts_until: dt.datetime | None = None,
    order: str = "start",
    staff_ids: list[int] | None = None,
) -> QuerySet[Booking]:
    """Bookings matching every filter given; `order` is one of OPERATOR_ORDERS (by start by default).
    `staff_ids` (a member with the staff role: their own calendar) keeps those staff members' appointments."""
    bookings = _with_relations(Booking.objects.all())
    if staff_ids is not None:
        bookings = bookings.filter(staff_id__in=staff_ids)
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
    if source:
        bookings = bookings.filter(source=source)
    if client_query and client_query.strip():
        text = client_query.strip()
        bookings = bookings.filter(Q(client__name__icontains=text) | Q(client__email__icontains=text))
    if starts_from:
        bookings = bookings.filter(starts_at__gte=starts_from)
    if starts_until:
        bookings = bookings.filter(starts_at__lt=starts_until)
    return bookings.order_by(*OPERATOR_ORDERS.get(order, OPERATOR_ORDERS["start"]))


def booking_history_for_operator(*, booking_id: int) -> QuerySet[AuditEntry]:
    """What happened to a booking (its audit entries), oldest first."""
    return AuditEntry.objects.filter(object_type="booking", object_id=booking_id).order_by("created_at", "id")


def booking_notifications_for_operator(*, booking_id: int) -> QuerySet[OutboxMessage]:
    """The messages about a booking this tenant sent or will send (the outbox rows), oldest first."""
    return OutboxMessage.objects.filter(
        tenant_schema=connection.schema_name, subject_ref=f"booking:{booking_id}",
    ).order_by("created_at", "id")


def dead_notifications_count_for_operator() -> int:
    """How many of this tenant's messages ran out of attempts and wait for someone to decide."""
    return OutboxMessage.objects.filter(tenant_schema=connection.schema_name,
                                        status=OutboxMessage.Status.DEAD).count()
