"""How a booking an operator makes for a client of a priced service is paid: a payment link emailed to the client
(the booking holds its place, pending payment, until the link's deadline), paid on site (a manual payment,
invoiced like any other), or free of charge (recorded in the audit log with the member who decided it).

booking_core's operator services (booking_core.services.operator_bookings) ask for the choice before anything is
written, record it in the booking's transaction, and send the link after the commit.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from allot.outbox.services import outbox_write
from billing import stripe_api
from billing.invoicing.services import invoice_issue_for_payment
from billing.models import BookingPayment
from billing.selectors.payments import payments_ready
from billing.services.payments import booking_payment_start
from booking_core.acting import Actor
from booking_core.errors import BookingError
from booking_core.models import Booking, Service
from booking_core.services.audit import audit_record
from tenants.links import tenant_url

PAYMENT_LINK_EMAIL = "billing.payment_link"


class PaymentChoice(models.TextChoices):
    LINK = "link", gettext_lazy("Send a payment link (the place is held until it is paid)")
    ON_SITE = "on_site", gettext_lazy("Paid on site (recorded as a payment, invoiced)")
    FREE = "free", gettext_lazy("Free of charge (recorded in the audit log)")


def payment_choice_default(*, tenant, service: Service) -> str:
    """What the back office proposes: the payment link when the organisation takes payments online."""
    if service.price_amount <= 0:
        return ""
    return PaymentChoice.LINK if payments_ready(tenant=tenant) else PaymentChoice.ON_SITE


def payment_choice_require(*, tenant, service: Service, choice: str | None) -> str:
    """The operator's choice for a priced service, checked before anything is written ("" for a free service).

    Refuses a missing or unknown choice, and a payment link when the organisation cannot take payments online;
    the refusal names the `payment` field."""
    if service.price_amount <= 0:
        return ""
    if choice not in PaymentChoice.values:
        raise BookingError(_("Choose how this booking is paid."), fields={"payment": [_("Required.")]})
    if choice == PaymentChoice.LINK and not payments_ready(tenant=tenant):
        raise BookingError(
            _("A payment link needs the organisation's Stripe account (Settings, Payments); choose another way."),
            fields={"payment": [_("Online payments are not set up.")]})
    return choice


def payment_link_deadline(now: dt.datetime) -> dt.datetime:
    """Until when a booking whose payment link was emailed holds its place (ALLOT_PAYMENT_LINK_HOLD_HOURS)."""
    return now + dt.timedelta(hours=settings.ALLOT_PAYMENT_LINK_HOLD_HOURS)


def booking_payment_choice_record(*, tenant, booking: Booking, choice: str, actor: Actor,
                                  now: dt.datetime) -> BookingPayment | None:
    """Record how the operator's booking is paid, in the booking's transaction: a paid on-site payment with its
    invoice, or the free-of-charge decision in the audit log (the payment link is sent after the commit)."""
    service = booking.service
    amount = service.price_amount * booking.seats
    if choice == PaymentChoice.FREE:
        audit_record(actor=actor, action="booking.free_of_charge", obj=booking,
                     after={"price": amount, "currency": service.price_currency, "member": actor.label,
                            "member_user_id": actor.user_id})
        return None
    if choice != PaymentChoice.ON_SITE:
        return None
    with transaction.atomic():
        payment = BookingPayment.objects.create(
            tenant=tenant, booking_id=booking.pk, method=BookingPayment.Method.ON_SITE, amount=amount,
            currency=service.price_currency, status=BookingPayment.Status.PAID,
            outcome=BookingPayment.Outcome.BOOKED, stripe_account_id="", paid_at=now)
        audit_record(actor=actor, action="booking.paid_on_site", obj=booking,
                     after={"amount": amount, "currency": payment.currency, "payment": payment.pk,
                            "member": actor.label})
        invoice_issue_for_payment(tenant=tenant, payment=payment, now=now)
    return payment


def booking_payment_link_send(*, tenant, booking: Booking, now: dt.datetime | None = None) -> BookingPayment:
    """Open the held booking's Checkout Session (its lifetime follows the hold) and email its link to the client
    through the outbox (once per payment, however often it is called). After the booking's commit.

    If Stripe cannot be reached the hold is released and billing's PaymentUnavailableError raised."""
    now = now or timezone.now()
    return_url = tenant_url(tenant, f"/b/{booking.manage_token}/payment/")
    due = booking.payment_due_at or payment_link_deadline(now)
    # Stripe closes a Checkout Session 30 minutes to 24 hours after it is opened: a little after the hold.
    expires_at = min(max(due + stripe_api.CHECKOUT_MINIMUM_LIFETIME, now + stripe_api.CHECKOUT_MINIMUM_LIFETIME),
                     now + dt.timedelta(hours=24) - dt.timedelta(minutes=1))
    payment = booking_payment_start(tenant=tenant, booking=booking, success_url=return_url, cancel_url=return_url,
                                    now=now, checkout_expires_at=expires_at)
    with transaction.atomic():
        outbox_write(event_type=PAYMENT_LINK_EMAIL, recipient=booking.client.email, language=booking.language,
                     payload={"booking_id": booking.pk, "payment_id": payment.pk},
                     idempotency_key=f"payment:{payment.pk}:link", subject_ref=f"booking:{booking.pk}")
    return payment
