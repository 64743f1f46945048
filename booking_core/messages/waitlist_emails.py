"""Turning waitlist outbox rows into emails, in the client's language, in the worker (tenant schema set).

Templates under booking_core/email/: `waitlist_<event>.subject.txt`, `.txt` and `.html`. The offer email
links to the offer page (accept / decline there, never by a GET) and carries an open-tracking image.
"""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.utils import timezone

from allot.outbox.delivery import NoLongerRelevant, renderer
from allot.outbox.models import OutboxMessage
from booking_core.messages import waitlist_notifications as events
from booking_core.messages.rendering import tenant_email
from booking_core.models import Offer, WaitlistEntry
from booking_core.waitlist.selectors.entries import entry_position
from tenants.links import tenant_url

TEMPLATES = {
    events.WAITLIST_JOINED: "waitlist_joined",
    events.OFFER_SENT: "waitlist_offer",
    events.OFFER_EXPIRED: "waitlist_offer_expired",
    events.OFFER_WITHDRAWN: "waitlist_offer_withdrawn",
    events.SESSION_CANCELLED: "waitlist_session_cancelled",
}


def offer_path(offer: Offer, suffix: str = "") -> str:
    return f"/o/{offer.token}/{suffix}"


def entry_path(entry: WaitlistEntry) -> str:
    return f"/w/{entry.token}/"


def _context(row: OutboxMessage, tenant) -> dict:
    entry = WaitlistEntry.objects.select_related("service", "session", "staff", "client").filter(
        pk=row.payload.get("entry_id")).first()
    if entry is None:
        raise NoLongerRelevant("the waitlist entry no longer exists")
    context = {
        "tenant": tenant, "entry": entry, "primary_colour": tenant.primary_colour, "time_zone": tenant.timezone,
        "service_name": entry.service.translated("name", row.language),
        "status_url": tenant_url(tenant, entry_path(entry)),
    }
    if row.event_type == events.WAITLIST_JOINED:
        if not entry.is_live:
            raise NoLongerRelevant("the entry left the waitlist before we told them they joined")
        context["position"] = entry_position(entry)
    elif row.event_type == events.SESSION_CANCELLED:
        context["reason"] = row.payload.get("reason", "")
    else:
        offer = Offer.objects.select_related("session", "staff").filter(pk=row.payload.get("offer_id")).first()
        if offer is None:
            raise NoLongerRelevant("the offer no longer exists")
        if row.event_type == events.OFFER_SENT and not offer.awaits_answer(timezone.now()):
            raise NoLongerRelevant("the offer was answered, withdrawn or has expired")
        context.update(offer=offer, offer_url=tenant_url(tenant, offer_path(offer) + "?via=email"),
                       open_image_url=tenant_url(tenant, offer_path(offer, "open.gif")))
    return context


def render_waitlist_email(row: OutboxMessage) -> EmailMultiAlternatives:
    tenant = connection.tenant
    context = _context(row, tenant)
    return tenant_email(tenant=tenant, template=f"booking_core/email/{TEMPLATES[row.event_type]}", context=context,
                        recipient=row.recipient, event_type=row.event_type)


for _event in TEMPLATES:
    renderer(_event)(render_waitlist_email)
