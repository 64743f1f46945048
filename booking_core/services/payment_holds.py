"""Bookings awaiting online payment: confirmed when paid, released when their hold runs out.

The hold itself is an ordinary live booking (status `pending_payment`): capacity counts it exactly like a
confirmed one, under the same locks and constraints. billing decides when a payment arrived or failed and
calls these services in the booking's tenant.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from booking_core.acting import Actor
from booking_core.errors import SlotTakenError
from booking_core.messages import booking_notifications as notifications
from booking_core.models import Booking
from booking_core.services.audit import audit_record
from booking_core.services.bookings import _claim_cells, _lock_booking, _release
from booking_core.services.capacity import add_seats_booked, live_seats_booked, session_lock
from booking_core.waitlist.services.offer_payments import UnpaidOffer, offer_mark_paid_late, offer_mark_unpaid

PAYMENT_ACTOR = Actor.system("payments")
# `cancelled_by` of a booking whose hold ran out (or whose payment failed): a payment arriving later may
# still book its place, which no other cancellation allows.
RELEASED_UNPAID = "payment"


class PaymentSettlement:
    CONFIRMED = "confirmed"  # the held booking is now confirmed
    CONFIRMED_LATE = "confirmed_late"  # its hold had run out, but the place was still free
    ALREADY = "already"  # it was confirmed before (a repeated notice)
    NO_PLACE = "no_place"  # nothing to book any more: the payment must be given back


def booking_payment_settle(*, booking_id: int, now: dt.datetime | None = None) -> str:
    """The booking's payment arrived: confirm it (once), re-taking its place if its hold had already run out."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock_booking(Booking.objects.only("pk", "session_id", "staff_id").get(pk=booking_id))
        if booking.status == Booking.Status.PENDING_PAYMENT:
            outcome = PaymentSettlement.CONFIRMED
        elif booking.status in (Booking.Status.CONFIRMED, Booking.Status.ATTENDED, Booking.Status.NO_SHOW):
            return PaymentSettlement.ALREADY
        elif booking.status == Booking.Status.CANCELLED and booking.cancelled_by == RELEASED_UNPAID \
                and booking.starts_at > now and _retake_place(booking):
            outcome = PaymentSettlement.CONFIRMED_LATE
        else:
            return PaymentSettlement.NO_PLACE
        before = booking.snapshot()
        if outcome == PaymentSettlement.CONFIRMED_LATE and booking.source == Booking.Source.WAITLIST:
            offer_mark_paid_late(booking=booking, now=now)
        booking.status = Booking.Status.CONFIRMED
        booking.confirmed_at = now
        booking.payment_due_at = None
        booking.cancelled_at, booking.cancelled_by, booking.cancellation_reason = None, "", ""
        booking.save(update_fields=["status", "confirmed_at", "payment_due_at", "cancelled_at", "cancelled_by",
                                    "cancellation_reason", "updated_at"])
        audit_record(actor=PAYMENT_ACTOR, action="booking.paid", obj=booking, before=before, after=booking.snapshot())
        notifications.notify_booking_confirmed(booking)
    return outcome


def _retake_place(booking: Booking) -> bool:
    """Take the released booking's seats or slot again if they are free (the locks are held)."""
    if booking.session_id:
        session = session_lock(booking.session_id)
        if session.is_cancelled:
            return False
        free = session.capacity - live_seats_booked(session.pk) - session.seats_held
        if booking.seats > free:
            return False
        add_seats_booked(session, booking.seats)
        return True
    try:
        with transaction.atomic():
            _claim_cells(booking)
    except (SlotTakenError, IntegrityError):
        return False
    return True


def booking_payment_release(*, booking_id: int, reason: str, now: dt.datetime | None = None,
                            payment_started: bool = True) -> bool:
    """Give a held booking's place back (hold expired, payment failed); its waitlist is offered the place.

    Returns whether the booking was still held. `reason` is `payment_expired` or `payment_failed`;
    `payment_started` is False when the client never got to pay (Checkout could not be opened): an accepted
    waitlist offer then holds its place again instead (offer_payments.offer_mark_unpaid).
    """
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock_booking(Booking.objects.only("pk", "session_id", "staff_id").get(pk=booking_id))
        if booking.status != Booking.Status.PENDING_PAYMENT:
            return False
        before = booking.snapshot()
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = now
        booking.cancelled_by = RELEASED_UNPAID
        booking.cancellation_reason = reason
        booking.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancellation_reason", "updated_at"])
        # An accepted offer left unpaid ends first, so the place released next goes to the next candidate.
        unpaid_offer = None
        if booking.source == Booking.Source.WAITLIST:
            unpaid_offer = offer_mark_unpaid(booking=booking, reason=reason, payment_started=payment_started,
                                             now=now)
        if unpaid_offer != UnpaidOffer.REOPENED:
            _release(booking, reason=f"booking.{reason}")
        audit_record(actor=PAYMENT_ACTOR, action=f"booking.{reason}", obj=booking, before=before,
                     after=booking.snapshot())
    return True


def booking_payment_holds_expire(*, tenant, now: dt.datetime | None = None) -> int:
    """Release every booking of this tenant whose payment hold ran out; returns how many."""
    now = now or timezone.now()
    due = list(Booking.objects.filter(status=Booking.Status.PENDING_PAYMENT, payment_due_at__lte=now)
               .order_by("payment_due_at", "pk").values_list("pk", flat=True))
    return sum(booking_payment_release(booking_id=booking_id, reason="payment_expired", now=now) for booking_id in due)
