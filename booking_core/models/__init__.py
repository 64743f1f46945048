from booking_core.models.audit import AuditEntry
from booking_core.models.bookings import Booking, SlotClaim
from booking_core.models.calendar_sync import CalendarBusyBlock, CalendarConnection, CalendarEventLink
from booking_core.models.catalogue import GRID_MINUTES, FormField, Service
from booking_core.models.clients import Client
from booking_core.models.feeds import CalendarFeed
from booking_core.models.notifications import NotificationTemplate
from booking_core.models.sessions import Session
from booking_core.models.staff import AvailabilityOverride, StaffMember, TimeOff, WorkingHours
from booking_core.waitlist.models import Offer, WaitlistEntry
from booking_core.webhooks.models import WebhookDelivery, WebhookEndpoint

__all__ = [
    "GRID_MINUTES",
    "AuditEntry",
    "AvailabilityOverride",
    "CalendarBusyBlock",
    "CalendarConnection",
    "CalendarEventLink",
    "CalendarFeed",
    "Booking",
    "Client",
    "FormField",
    "NotificationTemplate",
    "Offer",
    "Service",
    "Session",
    "SlotClaim",
    "StaffMember",
    "TimeOff",
    "WaitlistEntry",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WorkingHours",
]
