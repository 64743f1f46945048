"""Which changes become webhook events, and what an event says.

Every change worth telling an endpoint about already writes an audit entry inside its transaction
(booking_core.services.audit), so that is where events are born: `events_publish_for_audit` maps the audit
action to an event type and writes one outbox row per endpoint that wants it, in the same transaction — never
before the commit, never lost. The event id is derived from the audit entry, so every delivery of one event,
retries and redeliveries included, carries the same `webhook-id`.
"""

from __future__ import annotations

import uuid

from django.db import connection
from django.utils import timezone

# The payload's version: bump it (and document the change) when a field changes meaning or disappears.
PAYLOAD_VERSION = "2026-12-01"

# audit action -> event type. Only these reach webhooks; settings and catalogue edits do not.
AUDIT_ACTIONS = {
    "booking.created": "booking.created",
    "booking.confirmed": "booking.confirmed",
    "booking.rescheduled": "booking.rescheduled",
    "booking.cancelled": "booking.cancelled",
    "booking.attended": "booking.attended",
    "booking.no_show": "booking.no_show",
    "booking.attendance_confirmed": "booking.attendance_confirmed",
    "booking.paid": "payment.succeeded",
    "booking.payment_expired": "booking.payment_expired",
    "booking.payment_failed": "payment.failed",
    "waitlist.joined": "waitlist.joined",
    "waitlist.removed": "waitlist.left",
    "offer.prepared": "offer.prepared",
    "offer.sent": "offer.released",
    "offer.accepted": "offer.accepted",
    "offer.declined": "offer.declined",
    "offer.expired": "offer.expired",
    "offer.withdrawn": "offer.withdrawn",
    "programme_signup.created": "programme_signup.created",
    "programme_signup.withdrawn": "programme_signup.withdrawn",
    "programme.allocated": "programme.allocated",
    "place_offer.released": "programme_place_offer.released",
    "place_offer.accepted": "programme_place_offer.accepted",
    "place_offer.declined": "programme_place_offer.declined",
    "place_offer.expired": "programme_place_offer.expired",
}
TEST_EVENT = "webhook.test"
# Written by billing when a refund is recorded (refunds live in the public schema, without a tenant audit entry).
PAYMENT_REFUNDED_EVENT = "payment.refunded"
EVENT_TYPES = sorted({*AUDIT_ACTIONS.values(), PAYMENT_REFUNDED_EVENT, TEST_EVENT})
_NAMESPACE = uuid.UUID("8f0c4a52-2f7e-4d0e-9a9c-5b1f0f6e2a11")


def event_id_for(schema: str, key: str) -> str:
    return "evt_" + uuid.uuid5(_NAMESPACE, f"{schema}:{key}").hex


def _client(client) -> dict | None:
    if client is None:
        return None
    return {"id": client.pk, "name": client.name, "email": client.email, "phone": client.phone}


def _object_data(obj, snapshot: dict) -> dict:
    """What the event says about its object: the audit snapshot, its id, and who it is about."""
    model = obj._meta.model_name
    about: dict = {}
    if model == "booking":
        about = {"service": {"id": obj.service_id, "slug": obj.service.slug}, "source": obj.source,
                 "language": obj.language, "client": _client(obj.client), "answers": obj.answers}
    elif model == "waitlistentry":
        about = {"service": {"id": obj.service_id, "slug": obj.service.slug}, "client": _client(obj.client)}
    elif model == "offer":
        about = {"service": {"id": obj.service_id, "slug": obj.service.slug}, "client": _client(obj.entry.client)}
    elif hasattr(obj, "client"):
        about = {"client": _client(obj.client)}
    return {"object": model, "id": obj.pk, **snapshot, **about}


def event_payload(*, event_id: str, event_type: str, data: dict, occurred_at=None) -> dict:
    tenant = connection.tenant
    return {
        "id": event_id,
        "type": event_type,
        "version": PAYLOAD_VERSION,
        "timestamp": (occurred_at or timezone.now()).isoformat(),
        "organisation": {"slug": tenant.slug, "name": tenant.display_name},
        "data": data,
    }


def events_publish_for_audit(entry, obj) -> None:
    """Called by audit_record inside the change's transaction."""
    from booking_core.webhooks.services import deliveries_write  # services import this module

    event_type = AUDIT_ACTIONS.get(entry.action)
    if event_type is None:
        return
    snapshot = entry.after if entry.after is not None else (entry.before or {})
    event_id = event_id_for(connection.schema_name, f"audit:{entry.pk}")
    deliveries_write(event_type=event_type, event_id=event_id,
                     build=lambda: event_payload(event_id=event_id, event_type=event_type,
                                                 data=_object_data(obj, snapshot), occurred_at=entry.created_at))
