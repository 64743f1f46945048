"""Billing's rows, all in the public schema: which Stripe account takes a tenant's payments, the payments of
paid bookings and their refunds, and every Stripe event received (stored once by its id).

A booking lives in its tenant's schema, so a payment names it by (tenant, booking_id) rather than by a foreign
key; the hold itself (status `pending_payment`, `payment_due_at`) is on the booking, where capacity is counted.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ConnectedAccount(models.Model):
    """The organisation's Stripe Connect account: bookings of paid services are paid into it."""

    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.CASCADE, related_name="stripe_account")
    stripe_account_id = models.CharField(max_length=64, unique=True)
    charges_enabled = models.BooleanField(default=False)
    details_submitted = models.BooleanField(default=False)
    # Stripe's `created` of the newest account event applied: an older event never overwrites a newer state.
    state_as_of = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.stripe_account_id} ({self.tenant_id})"

    @property
    def is_ready(self) -> bool:
        """Stripe lets the account take card payments."""
        return self.charges_enabled


class BookingPayment(models.Model):
    """The online payment of one booking, made through a Stripe Checkout Session on the tenant's account."""

    class Status(models.TextChoices):
        CREATING = "creating", _("starting")  # the row exists; the Checkout Session is being created
        OPEN = "open", _("awaiting payment")
        PROCESSING = "processing", _("processing")  # checkout completed, the money is not there yet
        PAID = "paid", _("paid")
        FAILED = "failed", _("failed")

    # How far a payment has got: an event may only move it forward (webhooks arrive out of order).
    PROGRESS = {Status.CREATING: 0, Status.OPEN: 1, Status.PROCESSING: 2, Status.PAID: 3, Status.FAILED: 3}

    class Outcome(models.TextChoices):
        NONE = "", _("not yet")
        BOOKED = "booked", _("booked")
        BOOKED_LATE = "booked_late", _("booked after its hold expired")
        REFUNDED = "refunded", _("refunded: no place left")

    class Method(models.TextChoices):
        ONLINE = "online", _("online (Stripe Checkout)")
        # Recorded by an operator who booked for the client ("paid on site"): no Stripe objects, never refunded
        # through Stripe; it is invoiced like any other payment.
        ON_SITE = "on_site", _("paid on site")

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="booking_payments")
    # What is paid: a booking, or a programme place offer (in the tenant's schema); exactly one of them.
    booking_id = models.BigIntegerField(null=True, blank=True, help_text="The booking's id in the tenant's schema.")
    place_offer_id = models.BigIntegerField(null=True, blank=True,
                                            help_text="The programme place offer's id in the tenant's schema.")
    method = models.CharField(max_length=20, choices=Method.choices, default=Method.ONLINE)
    amount = models.PositiveIntegerField(help_text="In minor units of the currency.")
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CREATING)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.NONE, blank=True)
    stripe_account_id = models.CharField(max_length=64)
    checkout_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    checkout_url = models.URLField(max_length=2000, blank=True)
    payment_intent_id = models.CharField(max_length=255, blank=True)
    # Sent to Stripe with the Checkout Session: a retried request never creates a second session.
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "booking_id"], name="booking_payment_one_per_booking"),
            # One live payment per place offer; one whose Checkout could not be opened (failed) leaves room for
            # the next attempt once the offer is accepted again.
            models.UniqueConstraint(fields=["tenant", "place_offer_id"], condition=~Q(status="failed"),
                                    name="booking_payment_one_live_per_place_offer"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="booking_payment_positive_amount"),
            models.CheckConstraint(
                condition=Q(booking_id__isnull=False, place_offer_id__isnull=True)
                | Q(booking_id__isnull=True, place_offer_id__isnull=False),
                name="booking_payment_pays_a_booking_or_a_place_offer"),
        ]

    def __str__(self):
        what = f"booking {self.booking_id}" if self.booking_id else f"place offer {self.place_offer_id}"
        return f"{self.tenant_id}/{what}: {self.amount} {self.currency} ({self.status})"

    @property
    def is_for_place_offer(self) -> bool:
        return self.place_offer_id is not None


class Refund(models.Model):
    """Money given back for a payment; issued to Stripe by a worker through the outbox, at most once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")  # recorded; the outbox worker issues it
        SUCCEEDED = "succeeded", _("refunded")
        FAILED = "failed", _("failed")

    class Reason(models.TextChoices):
        NO_PLACE = "no_place", _("paid after the hold expired and no place was left")
        CANCELLATION = "cancellation", _("the booking was cancelled")

    payment = models.ForeignKey(BookingPayment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=30, choices=Reason.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    stripe_refund_id = models.CharField(max_length=255, blank=True)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # An automatic refund happens once per payment, however often its event is delivered.
            models.UniqueConstraint(fields=["payment"], condition=Q(reason="no_place"),
                                    name="refund_one_no_place_refund_per_payment"),
            # A cancellation refunds a payment once, however often the cancel button is pressed or delivered.
            models.UniqueConstraint(fields=["payment"], condition=Q(reason="cancellation"),
                                    name="refund_one_cancellation_refund_per_payment"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_positive_amount"),
        ]

    def __str__(self):
        return f"refund {self.amount} {self.currency} of payment {self.payment_id} ({self.status})"


class CancellationPolicy(models.Model):
    """How much of a paid booking a cancellation gives back, for one service of a tenant (billing.refund_policy).

    Until `full_refund_hours` before the start: everything; until `partial_refund_hours` before: `partial_percent`
    of it; later: nothing. A service without a row refunds in full (the policy an organisation starts with).
    """

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="cancellation_policies")
    service_id = models.BigIntegerField(help_text="The service's id in the tenant's schema.")
    full_refund_hours = models.PositiveIntegerField(default=0)
    partial_refund_hours = models.PositiveIntegerField(default=0)
    partial_percent = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "service_id"], name="cancellation_policy_one_per_service"),
            models.CheckConstraint(condition=Q(partial_percent__lte=100), name="cancellation_policy_percent_max"),
            models.CheckConstraint(condition=Q(partial_refund_hours__lte=models.F("full_refund_hours")),
                                   name="cancellation_policy_partial_after_full"),
        ]

    def __str__(self):
        return (f"{self.tenant_id}/service {self.service_id}: full until {self.full_refund_hours} h, "
                f"{self.partial_percent}% until {self.partial_refund_hours} h")


class StripeEvent(models.Model):
    """A Stripe webhook event as received (signature checked), kept once by its id and handled by a worker."""

    class Status(models.TextChoices):
        RECEIVED = "received", "received"
        PROCESSED = "processed", "processed"
        IGNORED = "ignored", "ignored"  # a type we do not handle, or about nothing we know

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    account = models.CharField(max_length=64, blank=True, help_text="The connected account it is about, if any.")
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    stripe_created_at = models.DateTimeField()
    payload = models.JSONField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    result = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"{self.event_id} {self.type} ({self.status})"
from billing.invoicing.models import Invoice, InvoiceCounter, InvoiceLine, SellerProfile  # noqa: E402,F401  (issue 15 item 3)
from billing.subscriptions.models import Subscription  # noqa: E402,F401  (the organisations' plans)
