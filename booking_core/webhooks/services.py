"""Writes of outgoing webhooks: endpoints, their secrets, test events, redeliveries, and the deliveries
each event sets off (outbox rows in the change's transaction)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from allot.errors import ApplicationError, NotFoundError
from allot.outbox.models import OutboxMessage
from allot.outbox.services import outbox_cancel, outbox_write
from booking_core.acting import Actor
from booking_core.services.audit import audit_record
from booking_core.webhooks.addresses import resolve_checked, url_check
from booking_core.webhooks.events import EVENT_TYPES, TEST_EVENT, event_id_for, event_payload
from booking_core.webhooks.models import WebhookDelivery, WebhookEndpoint, new_webhook_secret
from booking_core.webhooks.schedule import MAX_ATTEMPTS
from tenants.models import Membership

WEBHOOK_MESSAGE = "webhook"
ENDPOINT_DISABLED_MESSAGE = "webhook_endpoint_disabled"


def _subject(endpoint_id: int) -> str:
    return f"webhook_endpoint:{endpoint_id}"


def _write_delivery(*, endpoint_id: int, event: dict, key: str) -> None:
    outbox_write(event_type=WEBHOOK_MESSAGE, recipient="", language="en", payload={"endpoint": endpoint_id,
                 "event": event}, idempotency_key=key, subject_ref=_subject(endpoint_id),
                 queue=OutboxMessage.Queue.WEBHOOK, max_attempts=MAX_ATTEMPTS)


def deliveries_write(*, event_type: str, event_id: str, build: Callable[[], dict]) -> int:
    """One outbox row per enabled endpoint that wants `event_type` (inside the change's transaction)."""
    endpoints = [endpoint for endpoint in WebhookEndpoint.objects.filter(is_enabled=True)
                 if endpoint.wants(event_type)]
    if not endpoints:
        return 0
    event = build()
    for endpoint in endpoints:
        _write_delivery(endpoint_id=endpoint.pk, event=event, key=f"webhook:{event_id}:{endpoint.pk}")
    return len(endpoints)


def _clean_event_types(event_types: list[str]) -> list[str]:
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown:
        message = _("Unknown event types: %(types)s.") % {"types": ", ".join(unknown)}
        raise ApplicationError(message, fields={"event_types": [message]})
    return sorted(set(event_types))


def _checked(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    try:
        endpoint.full_clean()
    except ValidationError as error:
        raise ApplicationError(_("Check the endpoint's details."), fields=error.message_dict) from error
    resolve_checked(*url_check(endpoint.url))
    return endpoint


def _as_json(endpoint: WebhookEndpoint) -> dict:
    return {"url": endpoint.url, "description": endpoint.description, "event_types": endpoint.event_types,
            "enabled": endpoint.is_enabled}


def webhook_endpoint_create(*, actor: Actor, url: str, description: str = "",
                            event_types: list[str] | None = None) -> WebhookEndpoint:
    """A new enabled endpoint with a fresh secret (the caller shows the secret once)."""
    endpoint = _checked(WebhookEndpoint(url=url.strip(), description=description.strip(),
                                        event_types=_clean_event_types(event_types or [])))
    with transaction.atomic():
        endpoint.save()
        audit_record(actor=actor, action="webhook_endpoint.created", obj=endpoint, after=_as_json(endpoint))
    return endpoint


def webhook_endpoint_update(*, actor: Actor, endpoint: WebhookEndpoint, url: str, description: str,
                            event_types: list[str], is_enabled: bool) -> WebhookEndpoint:
    """Change an endpoint; switching a disabled endpoint back on starts its failure count afresh."""
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        before = _as_json(endpoint)
        endpoint.url, endpoint.description = url.strip(), description.strip()
        endpoint.event_types = _clean_event_types(event_types)
        if is_enabled and not endpoint.is_enabled:
            endpoint.failures_in_a_row, endpoint.disabled_reason, endpoint.disabled_at = 0, "", None
        endpoint.is_enabled = is_enabled
        _checked(endpoint).save()
        audit_record(actor=actor, action="webhook_endpoint.updated", obj=endpoint, before=before,
                     after=_as_json(endpoint))
    return endpoint


def webhook_endpoint_delete(*, actor: Actor, endpoint: WebhookEndpoint) -> None:
    """Remove an endpoint with its log; deliveries still waiting for it are cancelled."""
    with transaction.atomic():
        outbox_cancel(subject_ref=_subject(endpoint.pk))
        audit_record(actor=actor, action="webhook_endpoint.deleted", obj=endpoint, before=_as_json(endpoint))
        endpoint.delete()


def webhook_secret_rotate(*, actor: Actor, endpoint: WebhookEndpoint,
                          overlap: dt.timedelta | None = None) -> WebhookEndpoint:
    """A new signing secret; the old one keeps signing alongside it for the overlap (default 24 hours)."""
    overlap = dt.timedelta(hours=settings.ALLOT_WEBHOOK_SECRET_OVERLAP_HOURS) if overlap is None else overlap
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = timezone.now() + overlap
        endpoint.secret = new_webhook_secret()
        endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
        audit_record(actor=actor, action="webhook_endpoint.secret_rotated", obj=endpoint,
                     after={"previous_secret_expires_at": endpoint.previous_secret_expires_at.isoformat()})
    return endpoint


def webhook_test_send(*, actor: Actor, endpoint: WebhookEndpoint) -> str:
    """Send a `webhook.test` event to this endpoint (enabled or not, whatever it subscribes to)."""
    with transaction.atomic():
        entry = audit_record(actor=actor, action="webhook_endpoint.test_sent", obj=endpoint)
        event_id = event_id_for(connection.schema_name, f"audit:{entry.pk}")
        event = event_payload(event_id=event_id, event_type=TEST_EVENT,
                              data={"object": "webhook_endpoint", "id": endpoint.pk, "message": "Hello from Allot"})
        _write_delivery(endpoint_id=endpoint.pk, event=event, key=f"webhook:{event_id}:{endpoint.pk}")
    return event_id


def webhook_redeliver(*, actor: Actor, endpoint: WebhookEndpoint, event_id: str) -> None:
    """Deliver an event to this endpoint again, with the same event id (receivers drop it if they had it)."""
    original = (OutboxMessage.objects.filter(tenant_schema=connection.schema_name, queue=OutboxMessage.Queue.WEBHOOK,
                                             subject_ref=_subject(endpoint.pk), payload__event__id=event_id)
                .order_by("created_at", "id").first())
    if original is None:
        raise NotFoundError(_("This endpoint was never sent that event."))
    with transaction.atomic():
        entry = audit_record(actor=actor, action="webhook_endpoint.redelivered", obj=endpoint,
                             after={"event_id": event_id})
        _write_delivery(endpoint_id=endpoint.pk, event=original.payload["event"],
                        key=f"webhook:{event_id}:{endpoint.pk}:again:{entry.pk}")


def webhook_attempt_record(*, endpoint: WebhookEndpoint, event: dict, attempt: int, body: str, status: int | None,
                           excerpt: str, error: str, succeeded: bool, duration_ms: int) -> WebhookDelivery:
    """Log one delivery attempt and count it for or against the endpoint (in the delivery's transaction)."""
    logged = WebhookDelivery.objects.create(
        endpoint=endpoint, event_id=event["id"], event_type=event["type"], attempt=attempt,
        request_body=body[:20_000], response_status=status, response_excerpt=excerpt[:1000], error=error[:500],
        succeeded=succeeded, duration_ms=duration_ms)
    webhook_outcome_record(endpoint_id=endpoint.pk, succeeded=succeeded)
    return logged


def webhook_outcome_record(*, endpoint_id: int, succeeded: bool) -> bool:
    """Count the endpoint's failures in a row; past ALLOT_WEBHOOK_DISABLE_AFTER_FAILURES it is switched off and
    its owners are emailed. Returns whether this call switched it off."""
    endpoints = WebhookEndpoint.objects.filter(pk=endpoint_id)
    if succeeded:
        endpoints.filter(failures_in_a_row__gt=0).update(failures_in_a_row=0)
        return False
    endpoints.update(failures_in_a_row=F("failures_in_a_row") + 1)
    threshold = settings.ALLOT_WEBHOOK_DISABLE_AFTER_FAILURES
    now = timezone.now()
    reason = _("Switched off after %(count)s failed deliveries in a row.") % {"count": threshold}
    switched_off = endpoints.filter(is_enabled=True, failures_in_a_row__gte=threshold).update(
        is_enabled=False, disabled_at=now, disabled_reason=reason, updated_at=now)
    if switched_off:
        endpoint = endpoints.get()
        owners = Membership.objects.filter(tenant_id=connection.tenant.pk, role=Membership.Role.OWNER).select_related(
            "user")
        for membership in owners:
            outbox_write(event_type=ENDPOINT_DISABLED_MESSAGE, recipient=membership.user.email,
                         language=connection.tenant.default_language,
                         payload={"endpoint": endpoint.pk, "url": endpoint.url, "failures": threshold},
                         idempotency_key=f"webhook_endpoint_disabled:{endpoint.pk}:{now.isoformat()}:"
                                         f"{membership.user_id}")
    return bool(switched_off)
