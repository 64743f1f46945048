"""Waitlist offers after they are prepared: operators release, skip, withdraw or make them by hand; clients
accept or decline them; the scheduler expires the ones nobody answered.

Every transition locks the offer's place, then the offer (see offer_places), and re-checks the offer's state
under the lock, so double clicks, two tabs and an accept racing the expiry job end one way only.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from allot.errors import ApplicationError
from booking_core.acting import Actor
from booking_core.errors import CapacityError, OfferClosedError, OfferExpiredError, SlotTakenError, WaitlistError
from booking_core.messages import waitlist_notifications
from booking_core.messages.reminders import reminders_note_due
from booking_core.models import Booking, Offer, Session, SlotClaim, WaitlistEntry
from booking_core.selectors.availability import slot_is_free
from booking_core.services.audit import audit_record
from booking_core.services.bookings import booking_created_notify
from booking_core.services.capacity import convert_held_to_booked, session_lock, staff_lock
from booking_core.waitlist.services.offer_places import (
    SYSTEM,
    offer_close,
    offer_create,
    offer_lock,
    offer_place_lock,
    offer_place_pass_on,
    offer_send,
    waitlist_entry_set_status,
    waitlist_entry_status_after,
)
from booking_core.waitlist.services.offer_preparation import offers_prepare_for_session, offers_prepare_for_slot

logger = logging.getLogger(__name__)


# --- operator decisions ---------------------------------------------------------------------------------------


def offer_release(*, offer: Offer, actor: Actor, now: dt.datetime | None = None) -> Offer:
    """Send a prepared offer to its candidate (auto-send off: the operator's go-ahead)."""
    now = now or timezone.now()
    with transaction.atomic():
        offer_place_lock(offer)
        offer = offer_lock(offer.pk)
        if offer.status == Offer.Status.SENT:
            return offer
        if offer.status != Offer.Status.PREPARED:
            raise OfferClosedError(_("Only prepared offers can be released."))
        if offer.starts_at <= now:
            raise WaitlistError(_("This place has already started; withdraw the offer instead."))
        offer_send(offer, now, actor)
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


def offer_skip(*, offer: Offer, actor: Actor, tenant, now: dt.datetime | None = None) -> Offer:
    """Pass over this candidate for this place: the next one gets an offer. The skipped candidate keeps
    waiting with their position, and is a candidate again for the next place that frees up."""
    now = now or timezone.now()
    with transaction.atomic():
        offer_place_lock(offer)
        offer = offer_lock(offer.pk)
        if offer.status != Offer.Status.PREPARED:
            raise OfferClosedError(_("Only prepared offers can be skipped; withdraw a sent one instead."))
        offer_close(offer, Offer.Status.SKIPPED, now, entry_status=WaitlistEntry.Status.WAITING, actor=actor,
                    action="offer.skipped")
        if offer.session_id:
            offers_prepare_for_session(tenant=tenant, session_id=offer.session_id, freed_at=offer.freed_at,
                                       exclude_entry_ids=[offer.entry_id], now=now)
        else:
            offers_prepare_for_slot(tenant=tenant, service_id=offer.service_id, staff_id=offer.staff_id,
                                    starts_at=offer.starts_at, freed_at=offer.freed_at,
                                    exclude_entry_ids=[offer.entry_id], now=now)
    return offer


def offer_withdraw(*, offer: Offer, actor: Actor, now: dt.datetime | None = None) -> Offer:
    """Take an open offer back: the place returns to general sale, the candidate keeps waiting (and is told,
    if the offer had reached them)."""
    now = now or timezone.now()
    with transaction.atomic():
        offer_place_lock(offer)
        offer = offer_lock(offer.pk)
        if offer.status == Offer.Status.WITHDRAWN:
            return offer
        if not offer.is_open:
            raise OfferClosedError(_("This offer is already closed."))
        was_sent = offer.status == Offer.Status.SENT
        offer_close(offer, Offer.Status.WITHDRAWN, now, entry_status=WaitlistEntry.Status.WAITING, actor=actor,
                    action="offer.withdrawn")
        if was_sent:
            waitlist_notifications.notify_offer_withdrawn(offer, offer.entry)
    return offer


def offer_create_by_operator(*, tenant, entry: WaitlistEntry, actor: Actor, session: Session | None = None,
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
            if not slot_is_free(service=service, zone=tenant.zone, staff_id=staff_id,
                                starts_at=starts_at, now=now):
                raise SlotTakenError(_("This time is not free."))
        entry = WaitlistEntry.objects.select_for_update(of=("self",)).select_related("client").get(pk=entry.pk)
        if entry.status != WaitlistEntry.Status.WAITING:
            raise WaitlistError(_("Only waiting candidates can get an offer (this one has an open offer or left)."))
        offer = offer_create(
            entry, service=service, session=session if service.is_group else None,
            staff_id=None if service.is_group else staff_id,
            starts_at=session.starts_at if service.is_group else starts_at,
            ends_at=session.ends_at if service.is_group else starts_at + dt.timedelta(minutes=service.duration_minutes),
            freed_at=now, now=now, actor=actor, by_operator=True,
        )
        if send:
            offer_send(offer, now, actor)
    return offer


# --- the client's answer, and time running out -------------------------------------------------------------


def _book(offer: Offer, session: Session | None, now: dt.datetime, payment_due_at: dt.datetime | None) -> Booking:
    entry, service = offer.entry, offer.service
    if payment_due_at is not None:
        # A priced place is paid first: the booking holds the offered seats (or slot) until then, exactly like a
        # paid booking from the booking site, and billing's webhook confirms it.
        status = Booking.Status.PENDING_PAYMENT
    else:
        status = Booking.Status.PENDING if service.requires_approval else Booking.Status.CONFIRMED
    booking = Booking.objects.create(
        service=service, session=session, staff_id=offer.staff_id, client=entry.client, status=status,
        source=Booking.Source.WAITLIST, language=entry.language, seats=offer.seats, starts_at=offer.starts_at,
        ends_at=offer.ends_at, blocked_from=offer.blocked_from, blocked_until=offer.blocked_until,
        answers=entry.answers, confirmed_at=now if status == Booking.Status.CONFIRMED else None,
        payment_due_at=payment_due_at,
    )
    if session is not None:
        convert_held_to_booked(session, offer.seats)
    else:
        SlotClaim.objects.filter(offer=offer).update(booking=booking, offer=None)
    audit_record(actor=Actor.client(entry.client.email), action="booking.created", obj=booking,
                 after=booking.snapshot())
    booking_created_notify(booking)
    reminders_note_due(booking, now)
    return booking


def _closed_message(offer: Offer) -> str:
    return {
        Offer.Status.DECLINED: _("You declined this offer."),
        Offer.Status.EXPIRED: _("This offer has expired."),
        Offer.Status.WITHDRAWN: _("This offer was withdrawn."),
        Offer.Status.SKIPPED: _("This offer was withdrawn."),
    }.get(offer.status, _("This offer is not open."))


def _expire(offer: Offer, now: dt.datetime) -> None:
    offer_close(offer, Offer.Status.EXPIRED, now,
                entry_status=waitlist_entry_status_after(offer, Offer.Status.EXPIRED), actor=SYSTEM,
                action="offer.expired")
    waitlist_notifications.notify_offer_expired(offer, offer.entry)
    offer_place_pass_on(offer, reason="offer.expired")


def _answer(offer: Offer, now: dt.datetime, answer) -> tuple[object, bool]:
    """Lock, re-check and apply the client's answer; an answer after the deadline expires the offer instead
    (committed, then refused: the place has gone to the next candidate)."""
    with transaction.atomic():
        session = offer_place_lock(offer)
        offer = offer_lock(offer.pk)
        if offer.status != Offer.Status.SENT:
            return offer, False
        if not offer.awaits_answer(now):
            _expire(offer, now)
            return offer, True
        return answer(offer, session), False


def offer_accept(*, offer: Offer, now: dt.datetime | None = None,
                 payment_due_at: dt.datetime | None = None) -> Booking:
    """Turn the held place into a confirmed booking, exactly once (a second click returns the same booking).

    With `payment_due_at` (a priced place, billing.selectors.payments.payment_hold_deadline_for) the booking awaits
    payment and holds the place until then; an unpaid hold passes the place on (offer_payments).
    """
    now = now or timezone.now()

    def accept(offer: Offer, session: Session | None) -> Booking:
        booking = _book(offer, session, now, payment_due_at)
        before = offer.snapshot()
        offer.status, offer.responded_at, offer.booking = Offer.Status.ACCEPTED, now, booking
        offer.save(update_fields=["status", "responded_at", "booking", "updated_at"])
        waitlist_entry_set_status(offer.entry, WaitlistEntry.Status.ACCEPTED, now, last_activity_at=now)
        audit_record(actor=Actor.client(offer.entry.client.email), action="offer.accepted", obj=offer,
                     before=before, after=offer.snapshot())
        return booking

    result, expired = _answer(offer, now, accept)
    if expired:
        raise OfferExpiredError(_("This offer has expired and the place has been passed on."))
    if isinstance(result, Booking):
        return result
    if result.status == Offer.Status.ACCEPTED:
        return Booking.objects.get(pk=result.booking_id)
    raise OfferClosedError(_closed_message(result))


def offer_decline(*, offer: Offer, now: dt.datetime | None = None) -> Offer:
    """The client says no: the place goes to the next candidate at once. An entry for any session of a date
    range, or for an appointment day, keeps waiting for another date."""
    now = now or timezone.now()

    def decline(offer: Offer, session: Session | None) -> Offer:
        offer_close(offer, Offer.Status.DECLINED, now,
                    entry_status=waitlist_entry_status_after(offer, Offer.Status.DECLINED),
                    actor=Actor.client(offer.entry.client.email), action="offer.declined")
        WaitlistEntry.objects.filter(pk=offer.entry_id).update(last_activity_at=now)
        offer_place_pass_on(offer, reason="offer.declined")
        return offer

    result, expired = _answer(offer, now, decline)
    if expired:
        raise OfferExpiredError(_("This offer has expired and the place has been passed on."))
    if result.status == Offer.Status.DECLINED:
        return result
    raise OfferClosedError(_closed_message(result))


def offer_close_for_leaving_entry(*, offer: Offer, actor: Actor, now: dt.datetime) -> None:
    """The entry leaves the waitlist while it has an open offer: the offer ends and the place is passed on.

    Call inside a transaction that has locked the place and the offer.
    """
    offer_close(offer, Offer.Status.DECLINED if offer.status == Offer.Status.SENT else Offer.Status.WITHDRAWN, now,
                entry_status=WaitlistEntry.Status.REMOVED, actor=actor, action="offer.closed_entry_left")
    offer_place_pass_on(offer, reason="waitlist.left")


def _each_in_its_own_transaction(offer_ids, change) -> tuple[int, int]:
    """Apply `change` to each offer under its locks; one that fails is logged and the rest go on."""
    handled = failed = 0
    for offer_id in offer_ids:
        try:
            with transaction.atomic():
                offer = Offer.objects.get(pk=offer_id)
                offer_place_lock(offer)
                handled += change(offer_lock(offer_id))
        except Exception:
            failed += 1
            logger.exception("waitlist offer %s could not be expired", offer_id)
    return handled, failed


def offers_expire_due(*, tenant, now: dt.datetime | None = None) -> int:
    """The scheduler's per-tenant job: expire sent offers whose time is up (each passes its place on), withdraw
    prepared offers nobody released before their place started, and close entries for places in the past."""
    now = now or timezone.now()

    def expire(offer: Offer) -> int:
        if offer.status == Offer.Status.SENT and offer.expires_at <= now:
            _expire(offer, now)
            return 1
        return 0

    def withdraw_unreleased(offer: Offer) -> int:
        if offer.status != Offer.Status.PREPARED:
            return 0
        # Not the candidate's doing: an entry for a date range or a day keeps waiting for another date.
        status = (WaitlistEntry.Status.EXPIRED if offer.entry.target_kind == WaitlistEntry.Target.SESSION
                  else WaitlistEntry.Status.WAITING)
        offer_close(offer, Offer.Status.WITHDRAWN, now, entry_status=status, actor=SYSTEM, action="offer.withdrawn")
        return 1

    due = Offer.objects.filter(status=Offer.Status.SENT, expires_at__lte=now).order_by("expires_at", "pk")
    started = Offer.objects.filter(status=Offer.Status.PREPARED, starts_at__lte=now).order_by("pk")
    expired, failed_expiring = _each_in_its_own_transaction(list(due.values_list("pk", flat=True)), expire)
    withdrawn, failed_withdrawing = _each_in_its_own_transaction(list(started.values_list("pk", flat=True)),
                                                                 withdraw_unreleased)
    closed = _close_entries_for_past_places(now, zone=tenant.zone)
    if failed_expiring or failed_withdrawing:
        raise RuntimeError(f"{failed_expiring + failed_withdrawing} offers could not be handled (see the log); "
                           f"{expired + withdrawn} were")
    return expired + withdrawn + closed


def _close_entries_for_past_places(now: dt.datetime, *, zone) -> int:
    """Entries still waiting for a session that has started, or for dates that have passed, are over."""
    today = now.astimezone(zone).date()
    past = Q(target_kind=WaitlistEntry.Target.SESSION, session__starts_at__lte=now) | Q(
        target_kind__in=[WaitlistEntry.Target.SERVICE_RANGE, WaitlistEntry.Target.DATE], date_to__lt=today)
    return WaitlistEntry.objects.filter(past, status=WaitlistEntry.Status.WAITING).update(
        status=WaitlistEntry.Status.EXPIRED, closed_at=now, updated_at=now)
