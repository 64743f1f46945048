"""An organisation's say over its client emails: which event types it sends at all, and its own subject and
text per event type and language instead of the built-in wording.

- `switched_off(event_type)`: the notify functions write nothing for an event type the organisation switched
  off (Tenant.notifications_off; read from the tenant already on the connection, no query). Whether waitlist
  offers go out at once or wait for staff is a separate switch (Tenant.waitlist_auto_send_enabled).
- `tenant_email` (booking_core.messages.rendering) uses a NotificationTemplate of the event type and the
  client's language when there is one. Its text is plain text with placeholders ({name}, {service}, {start},
  {link}, {reason}, {organisation}), never a Django template: an organisation's text cannot reach the
  template engine. Without one, the built-in templates speak.
- `notification.test`: "send me a test" goes through the outbox like any email; its renderer fills the
  event's email with sample values.
"""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

from django.db import connection
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from booking_core.models import NotificationTemplate

# The client emails of bookings and the waitlist, in the order the settings page lists them.
CLIENT_EVENTS = {
    "booking.confirmed": gettext_lazy("Booking confirmed"),
    "booking.received": gettext_lazy("Booking received (waiting for your approval)"),
    "booking.cancelled": gettext_lazy("Booking cancelled"),
    "booking.rescheduled": gettext_lazy("Booking moved"),
    "booking.reminder": gettext_lazy("Reminder before the booking"),
    "booking.attendance_request": gettext_lazy("Are you coming? (attendance request)"),
    "waitlist.joined": gettext_lazy("Joined the waitlist"),
    "waitlist.offer": gettext_lazy("A place is free (waitlist offer)"),
    "waitlist.offer_expired": gettext_lazy("Waitlist offer expired"),
    "waitlist.offer_withdrawn": gettext_lazy("Waitlist offer withdrawn"),
    "waitlist.session_cancelled": gettext_lazy("Session cancelled (to those waiting)"),
}
TEST_EVENT = "notification.test"
PLACEHOLDERS = ("name", "service", "start", "link", "reason", "organisation")
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


def switched_off(event_type: str) -> bool:
    """Whether this organisation sends no email of `event_type` (the tenant on the connection decides)."""
    return event_type in (getattr(getattr(connection, "tenant", None), "notifications_off", None) or ())


def builtin_template(event_type: str) -> str:
    return f"booking_core/email/{event_type.replace('.', '_')}"


def custom_text_for(event_type: str, language: str) -> NotificationTemplate | None:
    return NotificationTemplate.objects.filter(event_type=event_type, language=language).first()


def fill(text: str, values: dict) -> str:
    """The placeholders replaced by their values; anything else in braces stays as written."""
    return _PLACEHOLDER.sub(lambda match: str(values.get(match.group(1), "")), text)


def placeholder_values(tenant, context: dict) -> dict:
    """The placeholders' values for an email's context (a booking's or a waitlist entry's)."""
    subject = context.get("booking") or context.get("entry")
    client = getattr(subject, "client", None)
    offer = context.get("offer")
    starts = context.get("starts_at") or getattr(offer, "starts_at", None) or getattr(
        getattr(subject, "session", None), "starts_at", None)
    if isinstance(starts, dt.datetime):
        starts = date_format(timezone.localtime(starts, tenant.zone), "DATETIME_FORMAT")
    payload = context.get("payload") or {}
    return {
        "name": getattr(client, "name", ""), "service": context.get("service_name", ""), "start": starts or "",
        "link": context.get("manage_url") or context.get("offer_url") or context.get("status_url") or "",
        "reason": context.get("reason") or payload.get("reason", ""), "organisation": tenant.display_name,
    }


def sample_context(tenant, event_type: str) -> dict:
    """Made-up values for a preview or a test of `event_type`'s email (nothing is looked up or linked)."""
    starts = (timezone.now() + dt.timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    client = SimpleNamespace(name=_("Alex Example"), email="")
    booking = SimpleNamespace(client=client, seats=1, staff=SimpleNamespace(name=_("Anna")), session=None,
                              starts_at=starts, ends_at=starts + dt.timedelta(hours=1), status="confirmed")
    link = f"https://{tenant.slug}.example/…"
    context = {
        "tenant": tenant, "booking": booking, "entry": SimpleNamespace(client=client, session=None, seats=1),
        "service_name": _("Sample service"), "starts_at": starts, "ends_at": booking.ends_at,
        "time_zone": tenant.timezone, "primary_colour": tenant.primary_colour, "payload": {"reason": _("A reason")},
        "reason": _("A reason"), "manage_url": link, "confirm_url": link, "cancel_url": link, "status_url": link,
        "can_self_serve": True, "position": 2, "old_starts_at": starts - dt.timedelta(days=1),
    }
    if event_type.startswith("waitlist.offer"):
        offer = SimpleNamespace(starts_at=starts, expires_at=starts - dt.timedelta(hours=12), session=None,
                                staff=booking.staff)
        return {**context, "offer_url": link, "manage_url": "", "offer": offer}
    if event_type.startswith("waitlist."):
        return {**context, "manage_url": ""}
    return context
