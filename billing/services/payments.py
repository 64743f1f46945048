"""Paid bookings: starting a booking's payment, moving it forward from Stripe's events, refunding what cannot
be booked any more.

The booking (status `pending_payment`, holding its place until `payment_due_at`) is created by booking_core's
services first; its payment row, the Checkout Session and every later change are made here. Nothing is sent
to Stripe inside a transaction that writes bookings, except by the outbox's workers (refunds).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from allot.errors import ApplicationError
from allot.outbox.services import outbox_write
from billing import money, stripe_api
from billing.invoicing.services import credit_note_issue_for_refund, invoice_issue_for_payment
from billing.models import BookingPayment, ConnectedAccount, Refund
from booking_core.models import Booking
from booking_core.services.payment_holds import (
    RELEASED_UNPAID,
    PaymentSettlement,
    booking_payment_holds_expire,
    booking_payment_release,
    booking_payment_settle,
)
from booking_core.webhooks.events import PAYMENT_REFUNDED_EVENT, event_id_for, event_payload
from booking_core.webhooks.services import deliveries_write

logger = logging.getLogger(__name__)

REFUND_ISSUE = "billing.refund_issue"
CHECKOUT_EXPIRE = "billing.checkout_expire"
PAYMENT_REFUNDED_EMAIL = "billing.payment_refunded"


class PaymentUnavailableError(ApplicationError):
    code = "payment_unavailable"


def _account_for(tenant) -> ConnectedAccount:
    account = ConnectedAccount.objects.filter(tenant=tenant, charges_enabled=True).first()
    if account is None:
        raise PaymentUnavailableError(_("%(name)s cannot take payments online at the moment.")
                                      % {"name": tenant.display_name})
    return account


def _checkout_open(payment: BookingPayment, *, unit_amount: int, quantity: int, product_name: str,
                   success_url: str, cancel_url: str, client_reference_id: str, customer_email: str, locale: str,
                   metadata: dict, now: dt.datetime, release, unavailable_message: str,
                   expires_at: dt.datetime | None = None) -> BookingPayment:
    """Open the payment's Checkout Session (shared by bookings and place offers; once: a payment that has its
    session returns as it is). If Stripe cannot be reached, the payment fails, `release()` gives up the hold in
    the same transaction and PaymentUnavailableError(`unavailable_message`) is raised."""
    if payment.checkout_url:
        return payment
    try:
        session = stripe_api.checkout_session_create(
            account=payment.stripe_account_id, amount=unit_amount, currency=payment.currency,
            quantity=quantity, product_name=product_name, success_url=success_url, cancel_url=cancel_url,
            client_reference_id=client_reference_id, customer_email=customer_email, locale=locale,
            metadata={**metadata, "payment_id": str(payment.pk)},
            expires_at=expires_at or now + stripe_api.CHECKOUT_MINIMUM_LIFETIME,
            idempotency_key=str(payment.idempotency_key),
        )
    except stripe_api.StripeUnavailable as error:
        logger.warning("Checkout Session for payment %s (%s) failed: %s", payment.pk, client_reference_id, error)
        with transaction.atomic():
            BookingPayment.objects.filter(pk=payment.pk, status=BookingPayment.Status.CREATING).update(
                status=BookingPayment.Status.FAILED, updated_at=timezone.now())
            release()
        raise PaymentUnavailableError(unavailable_message) from error
    with transaction.atomic():
        payment = BookingPayment.objects.select_for_update().get(pk=payment.pk)
        payment.checkout_session_id = session.id
        payment.checkout_url = session.url
        if payment.status == BookingPayment.Status.CREATING:
            payment.status = BookingPayment.Status.OPEN
        payment.save(update_fields=["checkout_session_id", "checkout_url", "status", "updated_at"])
    return payment


def booking_payment_start(*, tenant, booking: Booking, success_url: str, cancel_url: str,
                          now: dt.datetime | None = None,
                          checkout_expires_at: dt.datetime | None = None) -> BookingPayment:
    """Open the Stripe Checkout Session for a booking awaiting payment (once: a repeated call returns the same).

    If Stripe cannot be reached the booking's hold is released at once and PaymentUnavailableError raised.
    """
    now = now or timezone.now()
    account = _account_for(tenant)
    service = booking.service
    try:
        unit_amount = money.stripe_amount(service.price_amount, service.price_currency)
    except money.AmountError:
        # A price Stripe cannot charge (e.g. HUF with fillér): nothing to pay with, so nothing to hold.
        booking_payment_release(booking_id=booking.pk, reason="payment_failed", now=now, payment_started=False)
        raise
    with transaction.atomic():
        payment, _created = BookingPayment.objects.get_or_create(
            tenant=tenant, booking_id=booking.pk,
            defaults={"amount": service.price_amount * booking.seats, "currency": service.price_currency,
                      "stripe_account_id": account.stripe_account_id},
        )
    return _checkout_open(
        payment, unit_amount=unit_amount, quantity=booking.seats,
        product_name=service.translated("name", booking.language), success_url=success_url, cancel_url=cancel_url,
        client_reference_id=f"{tenant.schema_name}:{booking.pk}", customer_email=booking.client.email,
        locale=booking.language, metadata={"tenant": tenant.schema_name, "booking_id": str(booking.pk)}, now=now,
        expires_at=checkout_expires_at,
        release=lambda: booking_payment_release(booking_id=booking.pk, reason="payment_failed", now=now,
                                                payment_started=False),
        unavailable_message=_("The payment could not be started. Your place was not kept; please try again in a "
                              "moment."),
    )


def booking_payment_advance(*, payment_id: int, status: str, payment_intent_id: str = "",
                            now: dt.datetime | None = None) -> str:
    """Move a booking's payment forward to `status` as a Stripe event says (in the booking's tenant schema).

    Only forward: an older event arriving after a newer one changes nothing. Paid confirms the booking once (or
    books its place late, or refunds it); failed releases a place still held. Returns what happened.
    """
    def refund_recorded_for(payment: BookingPayment, refund: Refund) -> None:
        booking = Booking.objects.select_related("client").get(pk=payment.booking_id)
        refund_recorded(tenant=payment.tenant, refund=refund, booking=booking)

    return payment_advance(
        payment_id=payment_id, status=status, payment_intent_id=payment_intent_id, now=now,
        settle=lambda payment, at: booking_payment_settle(booking_id=payment.booking_id, now=at),
        release=lambda payment, at: booking_payment_release(booking_id=payment.booking_id, reason="payment_failed",
                                                            now=at),
        refund_recorded=refund_recorded_for,
    )


def payment_advance(*, payment_id: int, status: str, payment_intent_id: str, now: dt.datetime | None, settle,
                    release, refund_recorded, invoice_buyer=None) -> str:
    """The forward-only move of any payment (a booking's, a place offer's): under the payment's lock, paid calls
    `settle(payment, now)` (a PaymentSettlement), invoices, and refunds what found no place (once, then
    `refund_recorded(payment, refund)`); failed calls `release(payment, now)`. `invoice_buyer(payment)` names the
    invoice's buyer and line when it is not a booking (billing.invoicing.services.InvoiceBuyer)."""
    now = now or timezone.now()
    with transaction.atomic():
        payment = BookingPayment.objects.select_for_update().get(pk=payment_id)
        current = BookingPayment.PROGRESS[payment.status]
        if BookingPayment.PROGRESS[status] <= current:
            return f"stale: {payment.status} stays"
        payment.status = status
        if payment_intent_id:
            payment.payment_intent_id = payment_intent_id
        fields = ["status", "payment_intent_id", "updated_at"]
        if status == BookingPayment.Status.PAID:
            payment.paid_at = now
            settlement = settle(payment, now)
            payment.outcome = {
                PaymentSettlement.CONFIRMED: BookingPayment.Outcome.BOOKED,
                PaymentSettlement.ALREADY: BookingPayment.Outcome.BOOKED,
                PaymentSettlement.CONFIRMED_LATE: BookingPayment.Outcome.BOOKED_LATE,
                PaymentSettlement.NO_PLACE: BookingPayment.Outcome.REFUNDED,
            }[settlement]
            fields += ["paid_at", "outcome"]
            # Every payment is invoiced when it is paid, in this transaction (a refund gets its credit note).
            invoice_issue_for_payment(tenant=payment.tenant, payment=payment, now=now,
                                      buyer=invoice_buyer(payment) if invoice_buyer else None)
            if settlement == PaymentSettlement.NO_PLACE:
                _refund_for_no_place(payment, refund_recorded)
        elif status == BookingPayment.Status.FAILED:
            release(payment, now)
        payment.save(update_fields=fields)
    return f"{status}" + (f" ({payment.outcome})" if payment.outcome else "")


def _refund_for_no_place(payment: BookingPayment, recorded) -> None:
    """Record the refund of a payment that came too late for any place, and have the outbox issue it and tell
    the client (both at most once: one such refund per payment, outbox keys per refund)."""
    refund, created = Refund.objects.get_or_create(
        payment=payment, reason=Refund.Reason.NO_PLACE,
        defaults={"amount": payment.amount, "currency": payment.currency},
    )
    if created:
        recorded(payment, refund)


def refund_recorded(*, tenant, refund: Refund, booking: Booking) -> None:
    """What follows a newly recorded refund, in its transaction: the credit note correcting the payment's invoice,
    the outbox row that issues it at Stripe (once), and the client's email."""
    credit_note_issue_for_refund(tenant=tenant, refund=refund)
    outbox_write(event_type=REFUND_ISSUE, recipient=booking.client.email, language=booking.language,
                 payload={"refund_id": refund.pk}, idempotency_key=f"refund:{refund.pk}:issue",
                 subject_ref=f"booking:{booking.pk}")
    outbox_write(event_type=PAYMENT_REFUNDED_EMAIL, recipient=booking.client.email, language=booking.language,
                 payload={"booking_id": booking.pk, "refund_id": refund.pk, "amount": refund.amount,
                          "currency": refund.currency},
                 idempotency_key=f"refund:{refund.pk}:email", subject_ref=f"booking:{booking.pk}")
    _refund_webhook_event(tenant=tenant, refund=refund, booking=booking)


def _refund_webhook_event(*, tenant, refund: Refund, booking: Booking) -> None:
    """payment.refunded for the organisation's webhook endpoints (written in the refund's transaction)."""
    refund_webhook_event(tenant=tenant, refund=refund, client=booking.client,
                         paid_for={"booking": booking.pk, "place_offer": None})


def refund_webhook_event(*, tenant, refund: Refund, client, paid_for: dict) -> None:
    """payment.refunded for the organisation's webhook endpoints (written in the refund's transaction): the refund,
    what was paid for (`paid_for`: a booking's id, or a programme place offer) and the client who paid."""
    with tenant_context(tenant):
        event_id = event_id_for(tenant.schema_name, f"refund:{refund.pk}")
        data = {"object": "refund", "id": refund.pk, **paid_for, "amount": refund.amount,
                "currency": refund.currency, "reason": refund.reason,
                "client": {"id": client.pk, "name": client.name, "email": client.email, "phone": client.phone}}
        deliveries_write(event_type=PAYMENT_REFUNDED_EVENT, event_id=event_id,
                         build=lambda: event_payload(event_id=event_id, event_type=PAYMENT_REFUNDED_EVENT, data=data))


def refund_issue(*, refund_id: int) -> str:
    """Send a recorded refund to Stripe (the outbox worker calls this, under the row's lock); never twice.

    The refund row is locked and its status checked first; Stripe's idempotency key (the refund's own) makes
    even a crash after Stripe answered harmless: the retry gets the same refund back.
    """
    with transaction.atomic():
        refund = Refund.objects.select_for_update().select_related("payment").get(pk=refund_id)
        if refund.status != Refund.Status.PENDING:
            return f"already {refund.status}"
        payment = refund.payment
        if not payment.payment_intent_id:
            raise RuntimeError(f"payment {payment.pk} has no payment intent to refund")
        issued = stripe_api.refund_create(
            account=payment.stripe_account_id, payment_intent=payment.payment_intent_id,
            amount=money.stripe_amount(refund.amount, refund.currency), idempotency_key=str(refund.idempotency_key),
            metadata={"refund_id": str(refund.pk), **({"booking_id": str(payment.booking_id)} if payment.booking_id
                                                      else {"place_offer_id": str(payment.place_offer_id)})},
        )
        refund.stripe_refund_id = issued.id
        refund.status = Refund.Status.FAILED if issued.status in ("failed", "canceled") else Refund.Status.SUCCEEDED
        refund.save(update_fields=["stripe_refund_id", "status", "updated_at"])
    return refund.status


def payment_holds_expire(*, tenant, now: dt.datetime | None = None) -> int:
    """Release this tenant's bookings whose unpaid hold ran out (their places go to the waitlist), and have the
    outbox close their Checkout Sessions so they can no longer be paid (a payment racing that is still handled:
    booked late or refunded). Returns how many holds were released."""
    released = booking_payment_holds_expire(tenant=tenant, now=now)
    open_payments = dict(BookingPayment.objects.filter(tenant=tenant, status=BookingPayment.Status.OPEN,
                                                       booking_id__isnull=False)
                         .exclude(checkout_session_id=None).values_list("booking_id", "pk"))
    if not open_payments:
        return released
    unpaid = Booking.objects.filter(pk__in=list(open_payments), status=Booking.Status.CANCELLED,
                                    cancelled_by=RELEASED_UNPAID).values_list("pk", flat=True)
    checkouts_close([(open_payments[booking_id], f"booking:{booking_id}") for booking_id in unpaid])
    return released


def checkouts_close(payments: list[tuple[int, str]]) -> None:
    """Have the outbox close these (payment id, subject) payments' Checkout Sessions, once each."""
    with transaction.atomic():
        for payment_id, subject in payments:
            outbox_write(event_type=CHECKOUT_EXPIRE, recipient="", language="en", payload={"payment_id": payment_id},
                         idempotency_key=f"payment:{payment_id}:checkout-expire", subject_ref=subject)


def checkout_close(*, payment_id: int) -> str:
    """Close a payment's Checkout Session at Stripe (the outbox worker calls this) unless it moved on since."""
    payment = BookingPayment.objects.get(pk=payment_id)
    if payment.status != BookingPayment.Status.OPEN or not payment.checkout_session_id:
        return f"not open: {payment.status}"
    closed = stripe_api.checkout_session_expire(account=payment.stripe_account_id,
                                                session_id=payment.checkout_session_id)
    return "closed" if closed else "no longer open at Stripe"
