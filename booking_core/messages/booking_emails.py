"""Turning booking outbox rows into emails, in the client's language, in the worker (tenant schema set).

Each event type has three templates under booking_core/email/: `<event>.subject.txt`, `<event>.txt` and
`<event>.html`. Times are shown in the tenant's time zone; confirmations and reschedules carry an .ics.
"""

from __future__ import annotations

import datetime as dt

from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.utils import timezone

from allot.outbox.delivery import NoLongerRelevant, renderer
from allot.outbox.models import OutboxMessage
from booking_core.messages import booking_notifications as notifications
from booking_core.messages.ics import booking_ics
from booking_core.messages.rendering import tenant_email
from booking_core.models import Booking
from tenants.links import tenant_url

CALENDAR_EVENTS = {notifications.BOOKING_CONFIRMED, notifications.BOOKING_RESCHEDULED}


def manage_path(booking: Booking, action: str = "") -> str:
    return f"/b/{booking.manage_token}/{action + '/' if action else ''}"


def _booking(row: OutboxMessage) -> Booking:
    booking = (
        Booking.objects.select_related("service", "session", "staff", "client")
        .filter(pk=row.payload.get("booking_id")).first()
    )
    if booking is None:
        raise NoLongerRelevant("the booking no longer exists")
    return booking


def _still_scheduled(row: OutboxMessage, booking: Booking) -> None:
    """Reminders and attendance requests only make sense for the booking as it still is."""
    if not booking.is_live:
        raise NoLongerRelevant("the booking is no longer live")
    if row.payload.get("starts_at") != booking.starts_at.isoformat():
        raise NoLongerRelevant("the booking has moved")
    if booking.starts_at <= timezone.now():
        raise NoLongerRelevant("the booking has started")


def render_booking_email(row: OutboxMessage) -> EmailMultiAlternatives:
    tenant = connection.tenant
    booking = _booking(row)
    if row.event_type in notifications.SCHEDULED_EVENTS:
        _still_scheduled(row, booking)
    context = {
        "tenant": tenant,
        "booking": booking,
        "service_name": booking.service.translated("name", row.language),
        "starts_at": booking.starts_at,
        "ends_at": booking.ends_at,
        "time_zone": tenant.timezone,
        "payload": row.payload,
        "old_starts_at": dt.datetime.fromisoformat(row.payload["old_starts_at"])
        if row.payload.get("old_starts_at") else None,
        "manage_url": tenant_url(tenant, manage_path(booking)),
        "confirm_url": tenant_url(tenant, manage_path(booking, "confirm")),
        "cancel_url": tenant_url(tenant, manage_path(booking, "cancel")),
        "can_self_serve": booking.service.self_service_enabled(tenant),
        "primary_colour": tenant.primary_colour,
    }
    email = tenant_email(tenant=tenant, template=f"booking_core/email/{row.event_type.replace('.', '_')}",
                         context=context, recipient=row.recipient, event_type=row.event_type)
    if row.event_type in CALENDAR_EVENTS or row.event_type == notifications.BOOKING_CANCELLED:
        ics = booking_ics(booking, tenant, cancelled=row.event_type == notifications.BOOKING_CANCELLED,
                          manage_url=context["manage_url"])
        email.attach("booking.ics", ics, "text/calendar; charset=utf-8")
    if row.event_type == notifications.BOOKING_CONFIRMED:
        # A paid booking's confirmation carries its invoice (issued in the transaction that confirmed it).
        from billing.invoicing.providers import invoice_attachments

        for file_name, content in invoice_attachments(tenant=tenant, booking_id=booking.pk):
            email.attach(file_name, content, "application/pdf")
    return email


for _event in (notifications.BOOKING_CONFIRMED, notifications.BOOKING_RECEIVED, notifications.BOOKING_CANCELLED,
               notifications.BOOKING_RESCHEDULED, notifications.BOOKING_REMINDER, notifications.ATTENDANCE_REQUEST):
    renderer(_event)(render_booking_email)
