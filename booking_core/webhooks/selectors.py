"""Reads of outgoing webhooks for the back office."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from allot.errors import NotFoundError
from booking_core.webhooks.models import WebhookDelivery, WebhookEndpoint

DELIVERY_LOG_SIZE = 100


def endpoints_for_operator() -> QuerySet[WebhookEndpoint]:
    """Every endpoint, with the time and outcome of its latest attempt (one query)."""
    latest = WebhookDelivery.objects.filter(endpoint=OuterRef("pk")).order_by("-created_at", "-id")
    return WebhookEndpoint.objects.annotate(
        last_attempt_at=Subquery(latest.values("created_at")[:1]),
        last_attempt_succeeded=Subquery(latest.values("succeeded")[:1]),
    ).order_by("created_at", "id")


def endpoint_get_for_operator(*, endpoint_id) -> WebhookEndpoint:
    try:
        wanted = int(endpoint_id)
    except (TypeError, ValueError) as error:
        raise NotFoundError("No such webhook endpoint.") from error
    endpoint = WebhookEndpoint.objects.filter(pk=wanted).first()
    if endpoint is None:
        raise NotFoundError("No such webhook endpoint.")
    return endpoint


def deliveries_for_endpoint(endpoint: WebhookEndpoint, *, limit: int = DELIVERY_LOG_SIZE) -> list[WebhookDelivery]:
    return list(endpoint.deliveries.order_by("-created_at", "-id")[:limit])


def delivery_get_for_operator(*, endpoint: WebhookEndpoint, delivery_id) -> WebhookDelivery:
    try:
        wanted = int(delivery_id)
    except (TypeError, ValueError) as error:
        raise NotFoundError("No such delivery.") from error
    delivery = endpoint.deliveries.filter(pk=wanted).first()
    if delivery is None:
        raise NotFoundError("No such delivery.")
    return delivery
