"""Stripe's webhook events: stored once by their id when they arrive, handled later by a worker.

The webhook view only checks the signature and calls `stripe_event_record`, which stores the event and writes
an outbox row in the same transaction; the outbox's worker runs `stripe_event_process` in the tenant the event
is about. A replayed event finds its id taken and does nothing; an event arriving after a newer one finds the
payment (or account) already further along and changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from allot.outbox.services import outbox_write
from billing.models import BookingPayment, ConnectedAccount, StripeEvent
from billing.services.payments import booking_payment_advance
from billing.services.place_offer_payments import place_offer_payment_advance
from tenants.models import Tenant

PROCESS_EVENT = "billing.stripe_event"

# What each Checkout Session event means for the payment.
CHECKOUT_EVENTS = {
    "checkout.session.async_payment_succeeded": BookingPayment.Status.PAID,
    "checkout.session.async_payment_failed": BookingPayment.Status.FAILED,
    "checkout.session.expired": BookingPayment.Status.FAILED,
}


def _checkout_status(event_type: str, session: dict) -> str | None:
    if event_type == "checkout.session.completed":
        # Card payments are paid when the session completes; delayed methods (SEPA debit...) complete unpaid
        # and are settled by a later async_payment_succeeded or _failed event.
        return BookingPayment.Status.PROCESSING if session.get("payment_status") == "unpaid" \
            else BookingPayment.Status.PAID
    return CHECKOUT_EVENTS.get(event_type)


def _payment_of(session: dict, *, account: str) -> BookingPayment | None:
    """The payment a Checkout Session event is about: by the session's id, or by the payment id we put in its
    metadata (an event may overtake our storing the session's id). An event from one connected account never
    touches a payment made on another."""
    payment = BookingPayment.objects.filter(checkout_session_id=session.get("id")).first()
    if payment is None:
        payment_id = str((session.get("metadata") or {}).get("payment_id") or "")
        payment = BookingPayment.objects.filter(pk=int(payment_id)).first() if payment_id.isdigit() else None
    if payment is None or (account and payment.stripe_account_id != account):
        return None
    return payment


def stripe_event_record(*, event: dict) -> bool:
    """Store a verified event once and have a worker handle it; returns False for an id seen before."""
    data = (event.get("data") or {}).get("object") or {}
    tenant_id = None
    if str(event.get("type", "")).startswith("checkout.session."):
        payment = _payment_of(data, account=event.get("account") or "")
        tenant_id = payment.tenant_id if payment is not None else None
    if tenant_id is None and event.get("account"):
        tenant_id = ConnectedAccount.objects.filter(stripe_account_id=event["account"]).values_list(
            "tenant_id", flat=True).first()
    with transaction.atomic():
        try:
            with transaction.atomic():
                StripeEvent.objects.create(
                    event_id=event["id"], type=event.get("type", ""), account=event.get("account") or "",
                    tenant_id=tenant_id, payload=event,
                    stripe_created_at=dt.datetime.fromtimestamp(int(event.get("created", 0)), tz=dt.UTC),
                )
        except IntegrityError:
            return False  # a replay (or the same event delivered twice at once): the first one is handled
        schema = "public"
        if tenant_id is not None:
            schema = Tenant.objects.values_list("schema_name", flat=True).get(pk=tenant_id)
        outbox_write(event_type=PROCESS_EVENT, recipient="", language="en", payload={"event_id": event["id"]},
                     idempotency_key=f"stripe-event:{event['id']}", subject_ref=f"stripe-event:{event['id']}",
                     tenant_schema=schema)
    return True


def stripe_event_process(*, event_id: str, now: dt.datetime | None = None) -> str:
    """Handle one stored event (the worker, in the event's tenant schema); a second call does nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        event = StripeEvent.objects.select_for_update().get(event_id=event_id)
        if event.status != StripeEvent.Status.RECEIVED:
            return f"already {event.status}"
        data = (event.payload.get("data") or {}).get("object") or {}
        result = None
        checkout_status = _checkout_status(event.type, data) if event.type.startswith("checkout.session.") else None
        if checkout_status is not None:
            payment = _payment_of(data, account=event.account)
            if payment is not None and payment.tenant_id == event.tenant_id:
                advance = place_offer_payment_advance if payment.is_for_place_offer else booking_payment_advance
                result = advance(payment_id=payment.pk, status=checkout_status,
                                 payment_intent_id=data.get("payment_intent") or "", now=now)
        elif event.type == "account.updated":
            result = connected_account_apply(account_id=data.get("id") or event.account, account=data,
                                             as_of=event.stripe_created_at)
        event.status = StripeEvent.Status.IGNORED if result is None else StripeEvent.Status.PROCESSED
        event.result = (result or "")[:200]
        event.processed_at = now
        event.save(update_fields=["status", "result", "processed_at"])
    return event.result or event.status


def connected_account_apply(*, account_id: str, account: dict, as_of: dt.datetime | None) -> str | None:
    """Take a connected account's state from Stripe, unless what we hold is newer (`as_of`: when it was true)."""
    with transaction.atomic():
        row = ConnectedAccount.objects.select_for_update().filter(stripe_account_id=account_id).first()
        if row is None:
            return None
        if as_of is not None and row.state_as_of is not None and as_of < row.state_as_of:
            return "stale: a newer state is kept"
        row.charges_enabled = bool(account.get("charges_enabled"))
        row.details_submitted = bool(account.get("details_submitted"))
        row.state_as_of = as_of or timezone.now()
        row.save(update_fields=["charges_enabled", "details_submitted", "state_as_of", "updated_at"])
    return f"charges {'enabled' if row.charges_enabled else 'disabled'}"
