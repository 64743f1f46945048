"""The building blocks every offer transition uses: locking, holding and giving back a place, moving an
offer and its entry between states.

An open offer (prepared or sent) holds its place: `Session.seats_held` for a session (counted against
capacity by the session's CHECK constraint), slot claims for an appointment (the same unique cells a
booking claims). Every transition locks what the offer holds first (the session, or the staff member),
then the offer, in the same order as bookings do, so an accept racing an expiry, a second click or a
competing booking always serialises and ends one way.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from booking_core import events
from booking_core.acting import Actor
from booking_core.errors import SlotTakenError
from booking_core.messages import waitlist_notifications
from booking_core.models import GRID_MINUTES, Offer, Service, Session, SlotClaim, WaitlistEntry
from booking_core.services.audit import audit_record
from booking_core.services.capacity import add_seats_held, session_lock, staff_lock
from booking_core.waitlist.due import waitlist_note_due

SYSTEM = Actor.system("waitlist")


def offer_place_lock(offer: Offer) -> Session | None:
    """Lock what the offer holds (before the offer itself), as bookings do."""
    if offer.session_id:
        return session_lock(offer.session_id)
    staff_lock([offer.staff_id])
    return None


def offer_lock(offer_id: int) -> Offer:
    return (
        Offer.objects.select_for_update(of=("self",))
        .select_related("entry", "entry__client", "service", "session", "staff")
        .get(pk=offer_id)
    )


def _cells(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    cells, cell = [], start
    while cell < end:
        cells.append(cell)
        cell += dt.timedelta(minutes=GRID_MINUTES)
    return cells


def _place_hold(offer: Offer, session: Session | None) -> None:
    if session is not None:
        add_seats_held(session.pk, offer.seats)
        return
    try:
        with transaction.atomic():
            SlotClaim.objects.bulk_create([
                SlotClaim(staff_id=offer.staff_id, cell_start=cell, offer=offer)
                for cell in _cells(offer.blocked_from, offer.blocked_until)
            ])
    except IntegrityError as error:
        raise SlotTakenError(_("This time has just been taken.")) from error


def _place_release(offer: Offer) -> None:
    if offer.session_id:
        add_seats_held(offer.session_id, -offer.seats)
    else:
        SlotClaim.objects.filter(offer=offer).delete()


def offer_place_pass_on(offer: Offer, *, reason: str) -> None:
    """The place goes to the next candidate: announce it as freed (the handlers prepare the next offer). The
    time it first became free travels with it, for the "freed seat to new booking" figure."""
    if offer.session_id:
        events.publish(events.SeatsFreed(session_id=offer.session_id, seats=offer.seats, reason=reason,
                                         freed_at=offer.freed_at))
    else:
        events.publish(events.SlotFreed(service_id=offer.service_id, staff_id=offer.staff_id,
                                        starts_at=offer.starts_at, ends_at=offer.ends_at, reason=reason,
                                        freed_at=offer.freed_at))


def waitlist_entry_set_status(entry: WaitlistEntry, status: str, now: dt.datetime, **extra) -> None:
    fields = {"status": status, "updated_at": now, **extra}
    if status not in WaitlistEntry.LIVE_STATUSES:
        fields["closed_at"] = now
    WaitlistEntry.objects.filter(pk=entry.pk).update(**fields)
    for name, value in fields.items():
        if not hasattr(value, "resolve_expression"):
            setattr(entry, name, value)


def waitlist_entry_status_after(offer: Offer, outcome: str) -> str:
    """Where the candidate stands once an offer ends without a booking.

    An entry for one session is over when its client declines or lets the offer lapse. An entry for any
    session in a date range, or for an appointment day, keeps waiting after a decline (it was one date of
    several); an offer that lapses unanswered ends it (the client is not responding).
    """
    if outcome == Offer.Status.EXPIRED:
        return WaitlistEntry.Status.EXPIRED
    if outcome == Offer.Status.DECLINED and offer.entry.target_kind == WaitlistEntry.Target.SESSION:
        return WaitlistEntry.Status.DECLINED
    return WaitlistEntry.Status.WAITING


def offer_close(offer: Offer, status: str, now: dt.datetime, *, entry_status: str, actor: Actor, action: str) -> None:
    """End an open offer: give its place back and move its entry on (the caller locked place and offer)."""
    before = offer.snapshot()
    offer.status = status
    if status in (Offer.Status.DECLINED, Offer.Status.ACCEPTED):
        offer.responded_at = now
    offer.save(update_fields=["status", "responded_at", "updated_at"])
    _place_release(offer)
    waitlist_entry_set_status(offer.entry, entry_status, now)
    audit_record(actor=actor, action=action, obj=offer, before=before, after=offer.snapshot())


def _expiry(service: Service, starts_at: dt.datetime, now: dt.datetime) -> dt.datetime:
    # An offer cannot outlive the place it offers.
    return min(now + dt.timedelta(hours=service.offer_validity_hours), starts_at)


def offer_send(offer: Offer, now: dt.datetime, actor: Actor) -> None:
    """A prepared offer goes to its candidate: the validity window starts now, the email is an outbox row."""
    before = offer.snapshot()
    offer.status = Offer.Status.SENT
    offer.sent_at = now
    offer.expires_at = _expiry(offer.service, offer.starts_at, now)
    offer.save(update_fields=["status", "sent_at", "expires_at", "updated_at"])
    entry = offer.entry
    waitlist_entry_set_status(entry, WaitlistEntry.Status.OFFERED, now, offers_sent=F("offers_sent") + 1)
    waitlist_notifications.notify_offer_sent(offer, entry)
    audit_record(actor=actor, action="offer.sent", obj=offer, before=before, after=offer.snapshot())
    waitlist_note_due(offer.expires_at)


def offer_create(entry: WaitlistEntry, *, service: Service, session: Session | None, staff_id: int | None,
                 starts_at: dt.datetime, ends_at: dt.datetime, freed_at: dt.datetime, now: dt.datetime, actor: Actor,
                 by_operator: bool = False) -> Offer:
    """A prepared offer that holds its place at once (the caller locked the place and the entry)."""
    offer = Offer(entry=entry, service=service, session=session, staff_id=staff_id, starts_at=starts_at,
                  ends_at=ends_at, seats=entry.seats_wanted, freed_at=freed_at, prepared_at=now,
                  made_by_operator=by_operator)
    if session is None:
        offer.blocked_from = starts_at - dt.timedelta(minutes=service.buffer_before_minutes)
        offer.blocked_until = ends_at + dt.timedelta(minutes=service.buffer_after_minutes)
    offer.save()
    offer.entry, offer.service = entry, service
    _place_hold(offer, session)
    waitlist_entry_set_status(entry, WaitlistEntry.Status.OFFER_PREPARED, now)
    audit_record(actor=actor, action="offer.prepared", obj=offer, after=offer.snapshot())
    waitlist_note_due(starts_at)  # a prepared offer nobody releases is withdrawn when its place starts
    return offer
