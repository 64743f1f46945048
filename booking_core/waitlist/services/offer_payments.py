"""Accepted offers whose booking awaits payment: what the offer and its entry say when the payment does not come,
or comes late.

Accepting a priced offer creates its booking as `pending_payment` (offers.offer_accept); from then on the place is
held by the booking, not by the offer, and billing's payment holds decide its fate. These run inside
booking_core.services.payment_holds' transactions, which have locked the place (session or staff member) and the
booking first, the same order as every offer transition (place, then offer).
"""

from __future__ import annotations

import datetime as dt

from booking_core.models import Booking, Offer, Session, SlotClaim, WaitlistEntry
from booking_core.services.audit import audit_record
from booking_core.services.capacity import convert_booked_to_held
from booking_core.waitlist.services.offer_places import SYSTEM, waitlist_entry_set_status, waitlist_entry_status_after


def _accepted_offer_lock(booking: Booking, status: str) -> Offer | None:
    return (Offer.objects.select_for_update(of=("self",)).select_related("entry")
            .filter(booking_id=booking.pk, status=status).first())


class UnpaidOffer:
    EXPIRED = "expired"  # the place is to be released (and so passed on)
    REOPENED = "reopened"  # the offer holds the place again: nothing is released


def offer_mark_unpaid(*, booking: Booking, reason: str, payment_started: bool, now: dt.datetime) -> str | None:
    """The accepted offer's booking was released unpaid (`reason`: payment_expired or payment_failed); None when
    it came from no accepted offer.

    Its payment could not even start (Stripe unreachable) while the offer's own deadline runs: the offer is sent
    again and holds the place itself, so the client can simply accept again (REOPENED; the caller releases
    nothing). Otherwise the offer counts as expired (its candidate did not complete it) and the entry ends as after
    an unanswered offer (EXPIRED); call this before the place is given back, so the freed place goes to the next
    candidate and never back to this one.
    """
    offer = _accepted_offer_lock(booking, Offer.Status.ACCEPTED)
    if offer is None:
        return None
    if not payment_started and offer.expires_at is not None and offer.expires_at > now:
        _reopen(offer, booking, now)
        return UnpaidOffer.REOPENED
    before = offer.snapshot()
    offer.status = Offer.Status.EXPIRED
    offer.save(update_fields=["status", "updated_at"])
    waitlist_entry_set_status(offer.entry, waitlist_entry_status_after(offer, Offer.Status.EXPIRED), now)
    audit_record(actor=SYSTEM, action=f"offer.{reason}", obj=offer, before=before, after=offer.snapshot())
    return UnpaidOffer.EXPIRED


def _reopen(offer: Offer, booking: Booking, now: dt.datetime) -> None:
    before = offer.snapshot()
    offer.status, offer.booking, offer.responded_at = Offer.Status.SENT, None, None
    offer.save(update_fields=["status", "booking", "responded_at", "updated_at"])
    if booking.session_id:
        convert_booked_to_held(Session.objects.get(pk=booking.session_id), booking.seats)
    else:
        SlotClaim.objects.filter(booking=booking).update(booking=None, offer=offer)
    waitlist_entry_set_status(offer.entry, WaitlistEntry.Status.OFFERED, now, closed_at=None)
    audit_record(actor=SYSTEM, action="offer.reopened", obj=offer, before=before, after=offer.snapshot())


def offer_mark_paid_late(*, booking: Booking, now: dt.datetime) -> Offer | None:
    """A payment for a released offer booking arrived and its place was still free: the offer is accepted again."""
    offer = _accepted_offer_lock(booking, Offer.Status.EXPIRED)
    if offer is None:
        return None
    before = offer.snapshot()
    offer.status = Offer.Status.ACCEPTED
    offer.save(update_fields=["status", "updated_at"])
    waitlist_entry_set_status(offer.entry, WaitlistEntry.Status.ACCEPTED, now, last_activity_at=now)
    audit_record(actor=SYSTEM, action="offer.paid_late", obj=offer, before=before, after=offer.snapshot())
    return offer
