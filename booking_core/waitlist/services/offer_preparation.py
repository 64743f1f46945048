"""Preparing waitlist offers when places free up, in the transaction that freed them.

Whatever frees seats (a cancellation, a capacity raise, an offer declined, expired or passed over, a booking
moved) publishes an event; the handlers here (listed in booking_core.event_handlers) offer the session's free
seats, or the freed appointment slot, to the best-ranked candidates and hold them at once. Offers are then
sent, or kept for an operator to release, per service with the tenant's default. Nothing leaves in that
transaction: the offer email is an outbox row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from booking_core import events
from booking_core.messages import waitlist_notifications
from booking_core.models import Offer, Service, WaitlistEntry
from booking_core.selectors.availability import slot_is_free
from booking_core.services.audit import audit_record
from booking_core.services.capacity import session_lock, staff_lock
from booking_core.waitlist.selectors.entries import (
    as_candidate,
    entries_competing_for_session,
    entries_competing_for_slot,
)
from booking_core.waitlist.selectors.ranking import chosen
from booking_core.waitlist.services.offer_places import (
    SYSTEM,
    offer_close,
    offer_create,
    offer_lock,
    offer_send,
    waitlist_entry_set_status,
)


def _locked_waiting(entries, *, exclude_entry_ids: Iterable[int], busy_client_ids: Iterable[int]) -> list:
    """Lock the waiting entries in primary-key order (two places freed at once never offer one entry twice),
    leaving out the ones passed over for this place and clients who already hold an offer for it."""
    return list(
        entries.filter(status=WaitlistEntry.Status.WAITING).exclude(pk__in=list(exclude_entry_ids))
        .exclude(client_id__in=busy_client_ids)
        .select_for_update(of=("self",)).select_related("client").order_by("pk")
    )


def _one_per_client(entries: list[WaitlistEntry]) -> list[WaitlistEntry]:
    """A client waiting both for this session and for "any session this week" is one candidate: the entry
    that ranks first speaks for them."""
    best: dict[int, WaitlistEntry] = {}
    for entry in sorted(entries, key=lambda item: (-item.priority, item.created_at, item.pk)):
        best.setdefault(entry.client_id, entry)
    return list(best.values())


def offers_prepare_for_session(*, tenant, session_id: int, freed_at: dt.datetime | None = None,
                               exclude_entry_ids: Iterable[int] = (), now: dt.datetime | None = None) -> list[Offer]:
    """Offer the session's free seats to the best-ranked candidates and hold them at once.

    All free seats are offered, not only the ones just freed: seats freed one by one add up until a family
    wanting several fits, as the ranking shown to operators says. Seats an operator withdrew from an offer
    stay in general sale until the next place frees up.
    """
    now = now or timezone.now()
    session = session_lock(session_id)
    service = Service.objects.get(pk=session.service_id)
    if session.is_cancelled or session.starts_at <= now + dt.timedelta(minutes=service.min_notice_minutes):
        return []
    if session.seats_free <= 0:
        return []
    holding = Offer.objects.filter(session_id=session.pk, status__in=Offer.OPEN_STATUSES).values_list(
        "entry__client_id", flat=True)
    waiting = _one_per_client(_locked_waiting(entries_competing_for_session(session),
                                              exclude_entry_ids=exclude_entry_ids, busy_client_ids=holding))
    by_id = {entry.pk: entry for entry in waiting}
    offers = [
        offer_create(by_id[candidate.entry_id], service=service, session=session, staff_id=None,
                     starts_at=session.starts_at, ends_at=session.ends_at, freed_at=freed_at or now, now=now,
                     actor=SYSTEM)
        for candidate in chosen([as_candidate(entry) for entry in waiting], session.seats_free)
    ]
    if offers and service.offers_sent_automatically(tenant):
        for offer in offers:
            offer_send(offer, now, SYSTEM)
    return offers


def offers_prepare_for_slot(*, tenant, service_id: int, staff_id: int, starts_at: dt.datetime,
                            freed_at: dt.datetime | None = None, exclude_entry_ids: Iterable[int] = (),
                            now: dt.datetime | None = None) -> list[Offer]:
    """Offer a freed appointment slot to the best-ranked candidate for that service and day."""
    now = now or timezone.now()
    service = Service.objects.get(pk=service_id)
    staff_lock([staff_id])
    if not slot_is_free(service=service, zone=tenant.zone, staff_id=staff_id, starts_at=starts_at, now=now):
        return []
    waiting = _locked_waiting(entries_competing_for_slot(service_id=service_id, staff_id=staff_id,
                                                         starts_at=starts_at),
                              exclude_entry_ids=exclude_entry_ids, busy_client_ids=())
    by_id = {entry.pk: entry for entry in waiting}
    picked = chosen([as_candidate(entry) for entry in waiting if entry.seats_wanted == 1], 1)
    if not picked:
        return []
    offer = offer_create(by_id[picked[0].entry_id], service=service, session=None, staff_id=staff_id,
                         starts_at=starts_at, ends_at=starts_at + dt.timedelta(minutes=service.duration_minutes),
                         freed_at=freed_at or now, now=now, actor=SYSTEM)
    if service.offers_sent_automatically(tenant):
        offer_send(offer, now, SYSTEM)
    return [offer]


def on_session_cancelled(event: events.SessionCancelled) -> None:
    """Offers for a cancelled session are withdrawn and the people waiting for it are told it is off."""
    now = timezone.now()
    for offer_id in Offer.objects.filter(session_id=event.session_id, status__in=Offer.OPEN_STATUSES) \
            .order_by("pk").values_list("pk", flat=True):
        offer = offer_lock(offer_id)
        was_sent = offer.status == Offer.Status.SENT
        offer_close(offer, Offer.Status.WITHDRAWN, now, entry_status=WaitlistEntry.Status.WAITING, actor=SYSTEM,
                    action="offer.withdrawn")
        if was_sent and offer.entry.target_kind != WaitlistEntry.Target.SESSION:
            waitlist_notifications.notify_offer_withdrawn(offer, offer.entry)
    for entry in WaitlistEntry.objects.filter(session_id=event.session_id, status__in=WaitlistEntry.LIVE_STATUSES) \
            .select_related("client"):
        waitlist_entry_set_status(entry, WaitlistEntry.Status.REMOVED, now)
        audit_record(actor=SYSTEM, action="waitlist.removed", obj=entry, after={"reason": event.reason})
        waitlist_notifications.notify_session_cancelled(entry, reason=event.reason)
