"""Accepted offers whose booking awaits payment: what the offer and its entry say when the payment does not come,
or comes late.

Accepting a priced offer creates its booking as `pending_payment` (offers.offer_accept); from then on the place is
held by the booking, not by the offer, and billing's payment holds decide its fate. These run inside
booking_core.services.payment_holds' transactions, which have locked the place (session or staff member) and the
booking first, the same order as every offer transition (place, then offer).
"""

from __future__ import annotations

import datetime as dt

from booking_core.models import Booking, Offer, WaitlistEntry
from booking_core.services.audit import audit_record
from booking_core.waitlist.services.offer_places import SYSTEM, waitlist_entry_set_status, waitlist_entry_status_after


def _accepted_offer_lock(booking: Booking, status: str) -> Offer | None:
    return (Offer.objects.select_for_update(of=("self",)).select_related("entry")
            .filter(booking_id=booking.pk, status=status).first())


def offer_mark_unpaid(*, booking: Booking, now: dt.datetime) -> Offer | None:
    """The accepted offer's booking was released unpaid: the offer counts as expired (its candidate did not
    complete it) and the entry ends as after an unanswered offer. Call before the place is given back, so the
    freed place goes to the next candidate and never back to this one."""
    offer = _accepted_offer_lock(booking, Offer.Status.ACCEPTED)
    if offer is None:
        return None
    before = offer.snapshot()
    offer.status = Offer.Status.EXPIRED
    offer.save(update_fields=["status", "updated_at"])
    waitlist_entry_set_status(offer.entry, waitlist_entry_status_after(offer, Offer.Status.EXPIRED), now)
    audit_record(actor=SYSTEM, action="offer.payment_expired", obj=offer, before=before, after=offer.snapshot())
    return offer


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
