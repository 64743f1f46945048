"""Priced place offers: accepted, they await their payment (status `awaiting_payment`, until `payment_due_at`)
while still holding their places; billing calls these when the payment arrives, fails or runs out of time.

The places stay counted in the group's `places_taken` under the usual programme and group locks (and its
`places_taken <= capacity` check) the whole time, exactly as while the offer was open; the candidate selection
skips such offers (PlaceOffer.HOLDING_STATUSES). Every function locks programme, group, offer in that order.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from booking_core.acting import Actor
from booking_core.programmes import rules
from booking_core.programmes.models import AllocationLogEntry, PlaceOffer, SignUp
from booking_core.programmes.services.locking import places_add
from booking_core.programmes.services.offers import _close, _lock_offer, _members, place_offer_allocate
from booking_core.services.audit import audit_record
from booking_core.services.payment_holds import PaymentSettlement

PAYMENT_ACTOR = Actor.system("payments")
Decision = AllocationLogEntry.Decision


def place_offer_payment_settle(*, tenant, offer_id: int, now: dt.datetime | None = None) -> str:
    """The offer's payment arrived: allocate its members (once). An offer closed unpaid meanwhile gets its places
    back if the group still has them free (CONFIRMED_LATE); otherwise the payment is to be refunded (NO_PLACE)."""
    now = now or timezone.now()
    with transaction.atomic():
        programme, group, offer = _lock_offer(offer_id)
        if offer.status == PlaceOffer.Status.ACCEPTED:
            return PaymentSettlement.ALREADY
        before = offer.snapshot()
        if offer.status == PlaceOffer.Status.AWAITING_PAYMENT:
            members = _members(offer)
            outcome = PaymentSettlement.CONFIRMED
        elif offer.status == PlaceOffer.Status.EXPIRED and offer.payment_due_at is not None:
            members = _members_closed_unpaid(offer)
            if (group.is_cancelled or not members or len(members) != offer.places
                    or group.capacity - group.places_taken < offer.places
                    or programme.period_end < now.astimezone(tenant.zone).date()):
                return PaymentSettlement.NO_PLACE
            try:
                with transaction.atomic():
                    places_add(group, offer.places)
                    offer.status = PlaceOffer.Status.ACCEPTED
                    offer.save(update_fields=["status", "updated_at"])
                    place_offer_allocate(offer, members, programme=programme, group=group, actor=PAYMENT_ACTOR,
                                         now=now)
            except IntegrityError:  # a member signed up again meanwhile (one live sign-up per participant)
                return PaymentSettlement.NO_PLACE
            audit_record(actor=PAYMENT_ACTOR, action="place_offer.paid_late", obj=offer, before=before,
                         after=offer.snapshot())
            return PaymentSettlement.CONFIRMED_LATE
        else:
            return PaymentSettlement.NO_PLACE
        offer.status = PlaceOffer.Status.ACCEPTED
        offer.save(update_fields=["status", "updated_at"])
        place_offer_allocate(offer, members, programme=programme, group=group, actor=PAYMENT_ACTOR, now=now)
        audit_record(actor=PAYMENT_ACTOR, action="place_offer.paid", obj=offer, before=before, after=offer.snapshot())
    return outcome


def _members_closed_unpaid(offer: PlaceOffer) -> list[SignUp]:
    """The members the unpaid offer turned away (not allocated by its expiry), none of them live again since."""
    return list(SignUp.objects.select_related("client").filter(
        offer=offer, status=SignUp.Status.NOT_ALLOCATED, status_rule=rules.OFFER_EXPIRED).order_by("id"))


def place_offer_payment_release(*, tenant, offer_id: int, reason: str, now: dt.datetime | None = None,
                                payment_started: bool = True) -> bool:
    """The offer's payment did not come (`reason`: payment_expired or payment_failed): the offer closes as an
    unanswered one does and its places go to the next one waiting. Returns whether it was awaiting payment.

    When the payment could not even start (Checkout could not be opened) while the offer's own deadline runs, the
    offer is open again instead (sent, holding its places) and the participant can simply accept again.
    """
    now = now or timezone.now()
    with transaction.atomic():
        programme, group, offer = _lock_offer(offer_id)
        if offer.status != PlaceOffer.Status.AWAITING_PAYMENT:
            return False
        if not payment_started and offer.expires_at is not None and offer.expires_at > now:
            before = offer.snapshot()
            offer.status, offer.responded_at, offer.payment_due_at = PlaceOffer.Status.SENT, None, None
            offer.save(update_fields=["status", "responded_at", "payment_due_at", "updated_at"])
            audit_record(actor=PAYMENT_ACTOR, action="place_offer.reopened", obj=offer, before=before,
                         after=offer.snapshot())
            return True
        _close(offer, _members(offer), programme=programme, group=group, tenant=tenant, now=now,
               actor=PAYMENT_ACTOR, status=PlaceOffer.Status.EXPIRED, decision=Decision.OFFER_EXPIRED,
               rule=rules.OFFER_EXPIRED, audit_action=f"place_offer.{reason}")
    return True


def place_offer_payment_holds_expire(*, tenant, now: dt.datetime | None = None) -> list[int]:
    """Close every place offer of this tenant whose payment did not arrive in time; returns their ids."""
    now = now or timezone.now()
    due = list(PlaceOffer.objects.filter(status=PlaceOffer.Status.AWAITING_PAYMENT, payment_due_at__lte=now)
               .order_by("payment_due_at", "pk").values_list("pk", flat=True))
    return [offer_id for offer_id in due
            if place_offer_payment_release(tenant=tenant, offer_id=offer_id, reason="payment_expired", now=now)]


def place_offer_payment_next_due() -> dt.datetime | None:
    """When the next place offer's payment hold runs out in the current tenant."""
    return (PlaceOffer.objects.filter(status=PlaceOffer.Status.AWAITING_PAYMENT)
            .order_by("payment_due_at").values_list("payment_due_at", flat=True).first())
