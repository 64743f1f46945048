"""Stripe's subscription events: stored once by id (billing's StripeEvent) and applied at once.

Applying is one row's update in the public schema with no side effect outside the database, so it happens in
the transaction that stores the event: a replay finds the event id taken and changes nothing; an event older
than the one last applied (Stripe does not promise order) finds `state_as_of` newer and changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.models import StripeEvent
from billing.plans import PLANS, plan_for_price
from billing.subscriptions.models import Subscription
from billing.subscriptions.services import STRIPE_STATES, State, subscription_apply

SUBSCRIPTION_EVENTS = ("customer.subscription.created", "customer.subscription.updated",
                       "customer.subscription.deleted", "invoice.payment_failed")


def _tenant_of(data: dict) -> int | None:
    metadata = data.get("metadata") or {}
    if str(metadata.get("tenant_id") or "").isdigit():
        tenant_id = int(metadata["tenant_id"])
        from tenants.models import Tenant

        if Tenant.objects.filter(pk=tenant_id).exists():
            return tenant_id
    for field, column in (("subscription", "stripe_subscription_id"), ("id", "stripe_subscription_id"),
                          ("customer", "stripe_customer_id")):
        value = data.get(field)
        if isinstance(value, str) and value:
            found = Subscription.objects.filter(**{column: value}).values_list("tenant_id", flat=True).first()
            if found is not None:
                return found
    return None


def _plan_of(subscription: dict) -> str | None:
    plan = (subscription.get("metadata") or {}).get("plan")
    if plan in PLANS:
        return plan
    for item in ((subscription.get("items") or {}).get("data") or []):
        found = plan_for_price(((item.get("price") or item.get("plan") or {}).get("id")) or "")
        if found is not None:
            return found.code
    return None


def _apply(event_type: str, data: dict, *, tenant_id: int, as_of: dt.datetime) -> str | None:
    if event_type == "invoice.payment_failed":
        # Stripe's subscription.updated (status past_due) follows; this makes the banner show without waiting.
        return subscription_apply(tenant_id=tenant_id, state=State.PAST_DUE, as_of=as_of,
                                  customer_id=data.get("customer") or "")
    status = "canceled" if event_type == "customer.subscription.deleted" else data.get("status")
    state = STRIPE_STATES.get(status or "")
    if state is None:
        return None  # incomplete or paused: nothing to change yet
    return subscription_apply(tenant_id=tenant_id, state=state, as_of=as_of, plan=_plan_of(data),
                              subscription_id=data.get("id") or "", customer_id=data.get("customer") or "")


def subscription_event_record(*, event: dict) -> bool:
    """Store a verified subscription event once and apply it; False for an id seen before."""
    data = (event.get("data") or {}).get("object") or {}
    event_type = str(event.get("type", ""))
    tenant_id = _tenant_of(data)
    as_of = dt.datetime.fromtimestamp(int(event.get("created", 0)), tz=dt.UTC)
    with transaction.atomic():
        try:
            with transaction.atomic():
                stored = StripeEvent.objects.create(
                    event_id=event["id"], type=event_type, account="", tenant_id=tenant_id, payload=event,
                    stripe_created_at=as_of)
        except IntegrityError:
            return False
        result = None
        if tenant_id is not None and event_type in SUBSCRIPTION_EVENTS:
            result = _apply(event_type, data, tenant_id=tenant_id, as_of=as_of)
        stored.status = StripeEvent.Status.IGNORED if result is None else StripeEvent.Status.PROCESSED
        stored.result = (result or "")[:200]
        stored.processed_at = timezone.now()
        stored.save(update_fields=["status", "result", "processed_at"])
    return True
