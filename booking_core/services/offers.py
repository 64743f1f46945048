"""Waitlist offers: prepared when places free up, released, answered, expired, skipped or withdrawn.

An open offer (prepared or sent) holds its place: `Session.seats_held` for a session (counted against
capacity by the session's CHECK constraint), slot claims for an appointment (the same unique cells a
booking claims). Every transition locks what the offer holds first (the session, or the staff member),
then the offer, in the same order as bookings do, so an accept racing an expiry, a second click or a
competing booking always serialises and ends one way.

Offers are prepared in the transaction that frees the place (see the event handlers at the bottom), and
sent at once or kept for an operator to release, per service with the tenant's default. Nothing leaves in
that transaction: the offer email is an outbox row.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from allot.errors import ApplicationError
from booking_core import events, notifications, waitlist_notifications
from booking_core.actors import Actor
from booking_core.errors import CapacityError, OfferClosedError, OfferExpiredError, SlotTakenError, WaitlistError
from booking_core.models import GRID_MINUTES, Booking, Offer, Service, Session, SlotClaim, WaitlistEntry
from booking_core.selectors.availability import slot_is_free
from booking_core.selectors.waitlist import as_candidate, entries_competing_for_session, entries_competing_for_slot
from booking_core.selectors.waitlist_ranking import chosen
from booking_core.services.audit import audit_record
from booking_core.services.capacity import add_seats_held, convert_held_to_booked, session_lock, staff_lock

SYSTEM = Actor.system("waitlist")


# --- holding and releasing places -----------------------------------------------------------------------


def _lock_place(offer: Offer) -> Session | None:
    """Lock what the offer holds (before the offer itself), as bookings do."""
    if offer.session_id:
        return session_lock(offer.session_id)
    staff_lock([offer.staff_id])
    return None


def _locked_offer(offer_id: int) -> Offer:
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


def _hold(offer: Offer, session: Session | None) -> None:
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


def _release_hold(offer: Offer) -> None:
    if offer.session_id:
        add_seats_held(offer.session_id, -offer.seats)
    else:
        SlotClaim.objects.filter(offer=offer).delete()


def _pass_on(offer: Offer, *, reason: str) -> None:
    """The place goes to the next candidate: announce it as freed (the handlers prepare the next offer)."""
    if offer.session_id:
        events.publish(events.SeatsFreed(session_id=offer.session_id, seats=offer.seats, reason=reason))
    else:
        events.publish(events.SlotFreed(service_id=offer.service_id, staff_id=offer.staff_id,
                                        starts_at=offer.starts_at, ends_at=offer.ends_at, reason=reason))


def _set_entry(entry: WaitlistEntry, status: str, now: dt.datetime, **extra) -> None:
    fields = {"status": status, "updated_at": now, **extra}
    if status not in WaitlistEntry.LIVE_STATUSES:
        fields["closed_at"] = now
    WaitlistEntry.objects.filter(pk=entry.pk).update(**fields)
    for name, value in fields.items():
        if not hasattr(value, "resolve_expression"):
            setattr(entry, name, value)


def _close(offer: Offer, status: str, now: dt.datetime, *, entry_status: str, actor: Actor, action: str) -> None:
    before = offer.snapshot()
    offer.status = status
    if status in (Offer.Status.DECLINED, Offer.Status.ACCEPTED):
        offer.responded_at = now
    offer.save(update_fields=["status", "responded_at", "updated_at"])
    _release_hold(offer)
    _set_entry(offer.entry, entry_status, now)
    audit_record(actor=actor, action=action, obj=offer, before=before, after=offer.snapshot())


# --- preparing and sending ---------------------------------------------------------------------------------


def _expiry(service: Service, starts_at: dt.datetime, now: dt.datetime) -> dt.datetime:
    # An offer cannot outlive the place it offers.
    return min(now + dt.timedelta(hours=service.offer_validity_hours), starts_at)


def _send(offer: Offer, now: dt.datetime, actor: Actor) -> None:
    before = offer.snapshot()
    offer.status = Offer.Status.SENT
    offer.sent_at = now
    offer.expires_at = _expiry(offer.service, offer.starts_at, now)
    offer.save(update_fields=["status", "sent_at", "expires_at", "updated_at"])
    entry = offer.entry
    _set_entry(entry, WaitlistEntry.Status.OFFERED, now, offers_sent=F("offers_sent") + 1)
    waitlist_notifications.notify_offer_sent(offer, entry)
    audit_record(actor=actor, action="offer.sent", obj=offer, before=before, after=offer.snapshot())


def _create(entry: WaitlistEntry, *, service: Service, session: Session | None, staff_id: int | None,
            starts_at: dt.datetime, ends_at: dt.datetime, freed_at: dt.datetime, now: dt.datetime, actor: Actor,
            by_operator: bool = False) -> Offer:
    offer = Offer(entry=entry, service=service, session=session, staff_id=staff_id, starts_at=starts_at,
                  ends_at=ends_at, seats=entry.seats_wanted, freed_at=freed_at, prepared_at=now,
                  made_by_operator=by_operator)
    if session is None:
        offer.blocked_from = starts_at - dt.timedelta(minutes=service.buffer_before_minutes)
        offer.blocked_until = ends_at + dt.timedelta(minutes=service.buffer_after_minutes)
    offer.save()
    offer.entry, offer.service = entry, service
    _hold(offer, session)
    _set_entry(entry, WaitlistEntry.Status.OFFER_PREPARED, now)
    audit_record(actor=actor, action="offer.prepared", obj=offer, after=offer.snapshot())
    return offer


def _locked_waiting(entries) -> list[WaitlistEntry]:
    """Lock the waiting entries in primary-key order: two places freed at once never offer one entry twice."""
    return list(
        entries.filter(status=WaitlistEntry.Status.WAITING).select_for_update(of=("self",))
        .select_related("client").order_by("pk")
    )


def offers_prepare_for_session(*, session_id: int, seats_freed: int, now: dt.datetime | None = None) -> list[Offer]:
    """Offer up to `seats_freed` seats of a session to the best-ranked candidates; holds them at once."""
    now = now or timezone.now()
    session = session_lock(session_id)
    service = Service.objects.get(pk=session.service_id)
    if session.is_cancelled or session.starts_at <= now + dt.timedelta(minutes=service.min_notice_minutes):
        return []
    seats = min(seats_freed, session.seats_free)
    if seats <= 0:
        return []
    waiting = {entry.pk: entry for entry in _locked_waiting(entries_competing_for_session(session))}
    offers = [
        _create(waiting[candidate.entry_id], service=service, session=session, staff_id=None,
                starts_at=session.starts_at, ends_at=session.ends_at, freed_at=now, now=now, actor=SYSTEM)
        for candidate in chosen([as_candidate(entry) for entry in waiting.values()], seats)
    ]
    if offers and service.offers_sent_automatically(connection.tenant):
        for offer in offers:
            _send(offer, now, SYSTEM)
    return offers


def offers_prepare_for_slot(*, service_id: int, staff_id: int, starts_at: dt.datetime,
                            now: dt.datetime | None = None) -> list[Offer]:
    """Offer a freed appointment slot to the best-ranked candidate for that service and day."""
    now = now or timezone.now()
    service = Service.objects.get(pk=service_id)
    staff_lock([staff_id])
    if not slot_is_free(service=service, zone=connection.tenant.zone, staff_id=staff_id, starts_at=starts_at, now=now):
        return []
    waiting = {entry.pk: entry for entry in _locked_waiting(
        entries_competing_for_slot(service_id=service_id, staff_id=staff_id, starts_at=starts_at))}
    picked = chosen([as_candidate(entry) for entry in waiting.values() if entry.seats_wanted == 1], 1)
    if not picked:
        return []
    offer = _create(waiting[picked[0].entry_id], service=service, session=None, staff_id=staff_id,
                    starts_at=starts_at, ends_at=starts_at + dt.timedelta(minutes=service.duration_minutes),
                    freed_at=now, now=now, actor=SYSTEM)
    if service.offers_sent_automatically(connection.tenant):
        _send(offer, now, SYSTEM)
    return [offer]


@events.subscribe(events.SeatsFreed)
def _on_seats_freed(event: events.SeatsFreed) -> None:
    offers_prepare_for_session(session_id=event.session_id, seats_freed=event.seats)


@events.subscribe(events.SlotFreed)
def _on_slot_freed(event: events.SlotFreed) -> None:
    offers_prepare_for_slot(service_id=event.service_id, staff_id=event.staff_id, starts_at=event.starts_at)


@events.subscribe(events.SessionCancelled)
def _on_session_cancelled(event: events.SessionCancelled) -> None:
    """Offers for a cancelled session are withdrawn and its own waitlist is closed."""
    now = timezone.now()
    for offer in Offer.objects.filter(session_id=event.session_id, status__in=Offer.OPEN_STATUSES).order_by("pk"):
        offer = _locked_offer(offer.pk)
        _close(offer, Offer.Status.WITHDRAWN, now, entry_status=WaitlistEntry.Status.WAITING, actor=SYSTEM,
               action="offer.withdrawn")
    for entry in WaitlistEntry.objects.filter(session_id=event.session_id, status__in=WaitlistEntry.LIVE_STATUSES):
        _set_entry(entry, WaitlistEntry.Status.REMOVED, now)
        audit_record(actor=SYSTEM, action="waitlist.removed", obj=entry, after={"reason": event.reason})


# --- operator decisions ---------------------------------------------------------------------------------------


def offer_release(*, offer: Offer, actor: Actor, now: dt.datetime | None = None) -> Offer:
    """Send a prepared offer to its candidate (auto-send off: the operator's go-ahead)."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock_place(offer)
        offer = _locked_offer(offer.pk)
        if offer.status == Offer.Status.SENT:
            return offer
        if offer.status != Offer.Status.PREPARED:
            raise OfferClosedError(_("Only prepared offers can be released."))
        if offer.starts_at <= now:
            raise WaitlistError(_("This place has already started; withdraw the offer instead."))
        _send(offer, now, actor)
    return offer


def offers_release(*, offers, actor: Actor, now: dt.datetime | None = None) -> tuple[list[Offer], dict[int, str]]:
    """Release several prepared offers, each in its own transaction: one refusal stops nothing else.

    Returns the offers sent and, per refused offer id, why.
    """
    released, refused = [], {}
    for offer in offers:
        try:
            released.append(offer_release(offer=offer, actor=actor, now=now))
        except ApplicationError as error:
            refused[offer.pk] = str(error.message)
    return released, refused


def offer_skip(*, offer: Offer, actor: Actor, now: dt.datetime | None = None) -> Offer:
    """Pass over this candidate for this place: the next one gets an offer, the skipped one keeps waiting."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock_place(offer)
        offer = _locked_offer(offer.pk)
        if offer.status != Offer.Status.PREPARED:
            raise OfferClosedError(_("Only prepared offers can be skipped; withdraw a sent one instead."))
        _close(offer, Offer.Status.SKIPPED, now, entry_status=WaitlistEntry.Status.WAITING, actor=actor,
               action="offer.skipped")
        _pass_on(offer, reason="offer.skipped")
    return offer


def offer_withdraw(*, offer: Offer, actor: Actor, now: dt.datetime | None = None) -> Offer:
    """Take an open offer back: the place returns to general sale, the candidate keeps waiting."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock_place(offer)
        offer = _locked_offer(offer.pk)
        if offer.status == Offer.Status.WITHDRAWN:
            return offer
        if not offer.is_open:
            raise OfferClosedError(_("This offer is already closed."))
        _close(offer, Offer.Status.WITHDRAWN, now, entry_status=WaitlistEntry.Status.WAITING, actor=actor,
               action="offer.withdrawn")
    return offer


def offer_create_by_operator(*, entry: WaitlistEntry, actor: Actor, session: Session | None = None,
                             starts_at: dt.datetime | None = None, staff_id: int | None = None, send: bool = True,
                             now: dt.datetime | None = None) -> Offer:
    """Offer a place to any waiting candidate by hand; the place must be free for the seats they want."""
    now = now or timezone.now()
    service = entry.service
    if service.is_group:
        session = session or entry.session
        if session is None:
            raise WaitlistError(_("Pick the session to offer."), fields={"session": [_("Required.")]})
        if session.service_id != service.pk:
            raise WaitlistError(_("Pick a session of this service."), fields={"session": [_("Wrong service.")]})
    elif starts_at is None or staff_id is None:
        raise WaitlistError(_("Pick the time and the staff member to offer."),
                            fields={"starts_at": [_("Required.")], "staff": [_("Required.")]})
    with transaction.atomic():
        if service.is_group:
            session = session_lock(session.pk)
            if session.is_cancelled or session.starts_at <= now:
                raise WaitlistError(_("This session is no longer bookable."))
            if session.seats_free < entry.seats_wanted:
                raise CapacityError(ngettext("Only %(free)d seat is free in this session.",
                                              "Only %(free)d seats are free in this session.",
                                              session.seats_free) % {"free": session.seats_free},
                                    extra={"seats_free": session.seats_free})
        else:
            staff_lock([staff_id])
            if not slot_is_free(service=service, zone=connection.tenant.zone, staff_id=staff_id,
                                starts_at=starts_at, now=now):
                raise SlotTakenError(_("This time is not free."))
        entry = WaitlistEntry.objects.select_for_update(of=("self",)).select_related("client").get(pk=entry.pk)
        if entry.status != WaitlistEntry.Status.WAITING:
            raise WaitlistError(_("Only waiting candidates can get an offer (this one has an open offer or left)."))
        offer = _create(
            entry, service=service, session=session if service.is_group else None,
            staff_id=None if service.is_group else staff_id,
            starts_at=session.starts_at if service.is_group else starts_at,
            ends_at=session.ends_at if service.is_group else starts_at + dt.timedelta(minutes=service.duration_minutes),
            freed_at=now, now=now, actor=actor, by_operator=True,
        )
        if send:
            _send(offer, now, actor)
    return offer


# --- the client's answer, and time running out -------------------------------------------------------------


def _book(offer: Offer, session: Session | None, now: dt.datetime) -> Booking:
    entry, service = offer.entry, offer.service
    status = Booking.Status.PENDING if service.requires_approval else Booking.Status.CONFIRMED
    booking = Booking.objects.create(
        service=service, session=session, staff_id=offer.staff_id, client=entry.client, status=status,
        source=Booking.Source.WAITLIST, language=entry.language, seats=offer.seats, starts_at=offer.starts_at,
        ends_at=offer.ends_at, blocked_from=offer.blocked_from, blocked_until=offer.blocked_until,
        answers=entry.answers, confirmed_at=now if status == Booking.Status.CONFIRMED else None,
    )
    if session is not None:
        convert_held_to_booked(session, offer.seats)
    else:
        SlotClaim.objects.filter(offer=offer).update(booking=booking, offer=None)
    audit_record(actor=Actor.client(entry.client.email), action="booking.created", obj=booking,
                 after=booking.snapshot())
    notifications.notify_booking_created(booking)
    return booking


def _closed_message(offer: Offer) -> str:
    return {
        Offer.Status.DECLINED: _("You declined this offer."),
        Offer.Status.EXPIRED: _("This offer has expired."),
        Offer.Status.WITHDRAWN: _("This offer was withdrawn."),
        Offer.Status.SKIPPED: _("This offer was withdrawn."),
    }.get(offer.status, _("This offer is not open."))


def _expire(offer: Offer, now: dt.datetime) -> None:
    _close(offer, Offer.Status.EXPIRED, now, entry_status=WaitlistEntry.Status.EXPIRED, actor=SYSTEM,
           action="offer.expired")
    waitlist_notifications.notify_offer_expired(offer, offer.entry)
    _pass_on(offer, reason="offer.expired")


def offer_accept(*, offer: Offer, now: dt.datetime | None = None) -> Booking:
    """Turn the held place into a confirmed booking, exactly once (a second click returns the same booking)."""
    now = now or timezone.now()
    expired = False
    with transaction.atomic():
        session = _lock_place(offer)
        offer = _locked_offer(offer.pk)
        if offer.status == Offer.Status.ACCEPTED:
            return Booking.objects.get(pk=offer.booking_id)
        if offer.status != Offer.Status.SENT:
            raise OfferClosedError(_closed_message(offer))
        if offer.expires_at <= now:
            _expire(offer, now)  # committed below, then refused: the place has gone to the next candidate
            expired = True
        else:
            booking = _book(offer, session, now)
            before = offer.snapshot()
            offer.status, offer.responded_at, offer.booking = Offer.Status.ACCEPTED, now, booking
            offer.save(update_fields=["status", "responded_at", "booking", "updated_at"])
            _set_entry(offer.entry, WaitlistEntry.Status.ACCEPTED, now, last_activity_at=now)
            audit_record(actor=Actor.client(offer.entry.client.email), action="offer.accepted", obj=offer,
                         before=before, after=offer.snapshot())
    if expired:
        raise OfferExpiredError(_("This offer has expired and the place has been passed on."))
    return booking


def offer_decline(*, offer: Offer, now: dt.datetime | None = None) -> Offer:
    """The client says no: the place goes to the next candidate at once."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock_place(offer)
        offer = _locked_offer(offer.pk)
        if offer.status == Offer.Status.DECLINED:
            return offer
        if offer.status != Offer.Status.SENT:
            raise OfferClosedError(_closed_message(offer))
        _close(offer, Offer.Status.DECLINED, now, entry_status=WaitlistEntry.Status.DECLINED,
               actor=Actor.client(offer.entry.client.email), action="offer.declined")
        WaitlistEntry.objects.filter(pk=offer.entry_id).update(last_activity_at=now)
        _pass_on(offer, reason="offer.declined")
    return offer


def offer_close_for_leaving_entry(*, offer: Offer, actor: Actor, now: dt.datetime) -> None:
    """The entry leaves the waitlist while it has an open offer: the offer ends and the place is passed on.

    Call inside a transaction that has locked the place and the offer.
    """
    _close(offer, Offer.Status.DECLINED if offer.status == Offer.Status.SENT else Offer.Status.WITHDRAWN, now,
           entry_status=WaitlistEntry.Status.REMOVED, actor=actor, action="offer.closed_entry_left")
    _pass_on(offer, reason="waitlist.left")


def offers_expire_due(now: dt.datetime | None = None) -> int:
    """The scheduler's per-tenant job: expire sent offers whose time is up (each passes its place on), and
    close what waits for places that have already started."""
    now = now or timezone.now()
    handled = 0
    for offer_id in Offer.objects.filter(status=Offer.Status.SENT, expires_at__lte=now).order_by("expires_at", "pk") \
            .values_list("pk", flat=True):
        with transaction.atomic():
            offer = Offer.objects.get(pk=offer_id)
            _lock_place(offer)
            offer = _locked_offer(offer_id)
            if offer.status == Offer.Status.SENT and offer.expires_at <= now:
                _expire(offer, now)
                handled += 1
    for offer_id in Offer.objects.filter(status=Offer.Status.PREPARED, starts_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            offer = Offer.objects.get(pk=offer_id)
            _lock_place(offer)
            offer = _locked_offer(offer_id)
            if offer.status == Offer.Status.PREPARED:
                _close(offer, Offer.Status.WITHDRAWN, now, entry_status=WaitlistEntry.Status.EXPIRED, actor=SYSTEM,
                       action="offer.withdrawn")
                handled += 1
    handled += _close_entries_for_past_places(now)
    return handled


def _close_entries_for_past_places(now: dt.datetime) -> int:
    """Entries still waiting for a session that has started, or for dates that have passed, are over."""
    today = now.astimezone(connection.tenant.zone).date()
    past = Q(target_kind=WaitlistEntry.Target.SESSION, session__starts_at__lte=now) | Q(
        target_kind__in=[WaitlistEntry.Target.SERVICE_RANGE, WaitlistEntry.Target.DATE], date_to__lt=today)
    return WaitlistEntry.objects.filter(past, status=WaitlistEntry.Status.WAITING).update(
        status=WaitlistEntry.Status.EXPIRED, closed_at=now, updated_at=now)
