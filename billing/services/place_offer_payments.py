"""Paying for a priced programme place offer: the same Checkout, webhook handling, invoice, hold expiry and late
refund as a paid booking (billing.services.payments, whose shared parts these call), with the programme's services
(booking_core.programmes.services.offer_payments) deciding about the offer and its places.

Kept apart from payments.py so that booking_core's core, which opens bookings' Checkout Sessions through
payments.py, does not come to depend on programmes.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from allot.outbox.services import outbox_write
from billing import money
from billing.invoicing.services import InvoiceBuyer, credit_note_issue_for_refund
from billing.models import BookingPayment, Refund
from billing.services.payments import (
    PAYMENT_REFUNDED_EMAIL,
    REFUND_ISSUE,
    _account_for,
    _checkout_open,
    checkouts_close,
    payment_advance,
    refund_webhook_event,
)
from booking_core.programmes.models import PlaceOffer
from booking_core.programmes.selectors import place_offer_line, place_offer_payer
from booking_core.programmes.services.offer_payments import (
    place_offer_payment_holds_expire,
    place_offer_payment_release,
    place_offer_payment_settle,
)


def place_offer_payment_start(*, tenant, offer: PlaceOffer, success_url: str, cancel_url: str,
                              now: dt.datetime | None = None) -> BookingPayment:
    """Open the Checkout Session for a place offer awaiting payment: the programme's price for each offered place
    (once: a repeated call returns the same session).

    If Stripe cannot be reached the offer is open again (holding its places until its own deadline) and
    PaymentUnavailableError is raised: the participant can accept again.
    """
    now = now or timezone.now()
    account = _account_for(tenant)
    programme = offer.programme
    payer = place_offer_payer(offer)

    def release():
        place_offer_payment_release(tenant=tenant, offer_id=offer.pk, reason="payment_failed", now=now,
                                    payment_started=False)

    try:
        unit_amount = money.stripe_amount(programme.price_amount, programme.price_currency)
    except money.AmountError:
        release()
        raise
    with transaction.atomic():
        payment = (BookingPayment.objects.filter(tenant=tenant, place_offer_id=offer.pk)
                   .exclude(status=BookingPayment.Status.FAILED).first())
        if payment is None:
            try:
                with transaction.atomic():
                    payment = BookingPayment.objects.create(
                        tenant=tenant, place_offer_id=offer.pk, amount=programme.price_amount * offer.places,
                        currency=programme.price_currency, stripe_account_id=account.stripe_account_id)
            except IntegrityError:  # a concurrent request created it first
                payment = BookingPayment.objects.exclude(status=BookingPayment.Status.FAILED).get(
                    tenant=tenant, place_offer_id=offer.pk)
    return _checkout_open(
        payment, unit_amount=unit_amount, quantity=offer.places,
        product_name=place_offer_line(offer, language=payer.language), success_url=success_url,
        cancel_url=cancel_url, client_reference_id=f"{tenant.schema_name}:place-offer:{offer.pk}",
        customer_email=payer.client.email, locale=payer.language,
        metadata={"tenant": tenant.schema_name, "place_offer_id": str(offer.pk)}, now=now, release=release,
        unavailable_message=_("The payment could not be started. The place is still held for you: please try "
                              "again in a moment."),
    )


def _invoice_buyer(payment: BookingPayment) -> InvoiceBuyer:
    """The invoice's buyer (the payer) and its one line: programme name and period, a place per offered place."""
    offer = PlaceOffer.objects.select_related("programme").get(pk=payment.place_offer_id)
    payer = place_offer_payer(offer)
    quantity = offer.places if payment.amount % max(offer.places, 1) == 0 else 1
    return InvoiceBuyer(name=payer.client.name, email=payer.client.email, language=payer.language,
                        description=place_offer_line(offer, language=payer.language), quantity=quantity)


def place_offer_payment_advance(*, payment_id: int, status: str, payment_intent_id: str = "",
                                now: dt.datetime | None = None) -> str:
    """`booking_payment_advance` for a place offer's payment: paid allocates the offer's members once (or late, if
    the places are still free, or refunds); failed closes an offer still awaiting payment."""
    return payment_advance(
        payment_id=payment_id, status=status, payment_intent_id=payment_intent_id, now=now,
        settle=lambda payment, at: place_offer_payment_settle(tenant=payment.tenant, offer_id=payment.place_offer_id,
                                                              now=at),
        release=lambda payment, at: place_offer_payment_release(tenant=payment.tenant,
                                                                offer_id=payment.place_offer_id,
                                                                reason="payment_failed", now=at),
        refund_recorded=_refund_recorded, invoice_buyer=_invoice_buyer,
    )


def _refund_recorded(payment: BookingPayment, refund: Refund) -> None:
    """What follows a place offer payment's new refund: the credit note, the outbox row issuing it at Stripe, the
    payer's email and the organisation's webhook event payment.refunded (naming the place offer, not a booking)."""
    offer_id = payment.place_offer_id
    offer = PlaceOffer.objects.select_related("programme").get(pk=offer_id)
    payer = place_offer_payer(offer)
    buyer = _invoice_buyer(payment)
    credit_note_issue_for_refund(tenant=payment.tenant, refund=refund, buyer=buyer)
    outbox_write(event_type=REFUND_ISSUE, recipient=buyer.email, language=buyer.language,
                 payload={"refund_id": refund.pk}, idempotency_key=f"refund:{refund.pk}:issue",
                 subject_ref=f"place_offer:{offer_id}")
    outbox_write(event_type=PAYMENT_REFUNDED_EMAIL, recipient=buyer.email, language=buyer.language,
                 payload={"place_offer_id": offer_id, "refund_id": refund.pk, "amount": refund.amount,
                          "currency": refund.currency},
                 idempotency_key=f"refund:{refund.pk}:email", subject_ref=f"place_offer:{offer_id}")
    refund_webhook_event(tenant=payment.tenant, refund=refund, client=payer.client, paid_for={
        "booking": None,
        "place_offer": {"id": offer.pk, "programme": {"id": offer.programme_id, "slug": offer.programme.slug},
                        "group": offer.group_id, "places": offer.places},
    })


def place_offer_payment_holds_close(*, tenant, now: dt.datetime | None = None) -> int:
    """Close this tenant's place offers whose payment did not arrive in time (their places go to the next one
    waiting), and have the outbox close the Checkout Sessions of every open payment whose offer no longer awaits
    it (expired now, or withdrawn earlier with its group or its participant); a payment racing that is still
    handled (allocated late or refunded). Returns how many offers were closed."""
    released = place_offer_payment_holds_expire(tenant=tenant, now=now)
    open_payments = dict(BookingPayment.objects.filter(tenant=tenant, status=BookingPayment.Status.OPEN,
                                                       place_offer_id__isnull=False)
                         .exclude(checkout_session_id=None).values_list("place_offer_id", "pk"))
    if open_payments:
        no_longer_awaiting = (PlaceOffer.objects.filter(pk__in=list(open_payments))
                              .exclude(status=PlaceOffer.Status.AWAITING_PAYMENT).values_list("pk", flat=True))
        checkouts_close([(open_payments[offer_id], f"place_offer:{offer_id}") for offer_id in no_longer_awaiting])
    return len(released)
