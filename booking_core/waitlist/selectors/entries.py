"""Reads of waitlists: who competes for a place, in which order, and entries and offers by token or id.

A place in a session is wanted by the entries for that session and by the entries for "any session of
this service" whose date range covers the session's local date. A freed appointment slot is wanted by the
entries for that service on that local date, for any staff member or for that one. An entry that declined a
place does not compete for that same place again (it may still wait for another date of its range).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from booking_core.errors import WaitlistNotFoundError
from booking_core.models import Offer, Service, Session, WaitlistEntry
from booking_core.waitlist.selectors.ranking import Candidate, RankedCandidate, rank


def _zone():
    return connection.tenant.zone


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(_zone()).date()


def _session_target(session: Session) -> Q:
    day = local_date(session.starts_at)
    return Q(target_kind=WaitlistEntry.Target.SESSION, session_id=session.pk) | Q(
        target_kind=WaitlistEntry.Target.SERVICE_RANGE, service_id=session.service_id, date_from__lte=day,
        date_to__gte=day,
    )


def _slot_target(*, service_id: int, staff_id: int, starts_at: dt.datetime) -> Q:
    return Q(target_kind=WaitlistEntry.Target.DATE, service_id=service_id, date_from=local_date(starts_at)) & (
        Q(staff__isnull=True) | Q(staff_id=staff_id)
    )


def entries_competing_for_session(session: Session) -> QuerySet[WaitlistEntry]:
    """Live entries that want a place in this session (not those that already declined a place in it)."""
    declined = Offer.objects.filter(session_id=session.pk, status=Offer.Status.DECLINED).values("entry_id")
    return (
        WaitlistEntry.objects.filter(_session_target(session), status__in=WaitlistEntry.LIVE_STATUSES)
        .exclude(pk__in=declined)
    )


def entries_competing_for_slot(*, service_id: int, staff_id: int, starts_at: dt.datetime) -> QuerySet[WaitlistEntry]:
    declined = Offer.objects.filter(staff_id=staff_id, starts_at=starts_at, status=Offer.Status.DECLINED).values(
        "entry_id")
    return (
        WaitlistEntry.objects.filter(_slot_target(service_id=service_id, staff_id=staff_id, starts_at=starts_at),
                                     status__in=WaitlistEntry.LIVE_STATUSES)
        .exclude(pk__in=declined)
    )


def as_candidate(entry: WaitlistEntry) -> Candidate:
    return Candidate(entry_id=entry.pk, priority=entry.priority, joined_at=entry.created_at,
                     seats_wanted=entry.seats_wanted, status=entry.status)


@dataclass(frozen=True)
class CandidateRow:
    """One line of the queue an operator sees: the ranking decision and the entry behind it."""

    ranked: RankedCandidate
    entry: WaitlistEntry
    open_offer: Offer | None


def _rows(entries: QuerySet[WaitlistEntry], free_seats: int) -> list[CandidateRow]:
    entries = list(entries.select_related("client", "staff", "session"))
    by_id = {entry.pk: entry for entry in entries}
    open_offers = {
        offer.entry_id: offer
        for offer in Offer.objects.filter(entry_id__in=list(by_id), status__in=Offer.OPEN_STATUSES)
    }
    return [
        CandidateRow(ranked=item, entry=by_id[item.candidate.entry_id],
                     open_offer=open_offers.get(item.candidate.entry_id))
        for item in rank([as_candidate(entry) for entry in entries], free_seats)
    ]


def candidates_for_session(session: Session) -> list[CandidateRow]:
    """Everyone waiting for a place in this session, in the order they will be offered one."""
    return _rows(entries_competing_for_session(session), session.seats_free)


def candidates_for_date(*, service: Service, day: dt.date, staff_id: int | None = None) -> list[CandidateRow]:
    """Entries for appointments of a service on a local date (the queue before a slot frees up)."""
    entries = WaitlistEntry.objects.filter(target_kind=WaitlistEntry.Target.DATE, service=service, date_from=day,
                                           status__in=WaitlistEntry.LIVE_STATUSES)
    if staff_id is not None:
        entries = entries.filter(Q(staff__isnull=True) | Q(staff_id=staff_id))
    return _rows(entries, 0)


def _competitors(entry: WaitlistEntry) -> QuerySet[WaitlistEntry]:
    """Entries that want the same places as `entry` (its own target, and overlapping ones)."""
    live = WaitlistEntry.objects.filter(status__in=WaitlistEntry.LIVE_STATUSES, service_id=entry.service_id)
    if entry.target_kind == WaitlistEntry.Target.SESSION:
        return live.filter(_session_target(entry.session))
    if entry.target_kind == WaitlistEntry.Target.SERVICE_RANGE:
        sessions_in_range = Session.objects.filter(
            service_id=entry.service_id, is_cancelled=False,
            starts_at__gte=dt.datetime.combine(entry.date_from, dt.time(0), tzinfo=_zone()),
            starts_at__lt=dt.datetime.combine(entry.date_to + dt.timedelta(days=1), dt.time(0), tzinfo=_zone()),
        )
        return live.filter(
            Q(target_kind=WaitlistEntry.Target.SERVICE_RANGE, date_from__lte=entry.date_to,
              date_to__gte=entry.date_from)
            | Q(target_kind=WaitlistEntry.Target.SESSION, session__in=sessions_in_range)
        )
    same_day = live.filter(target_kind=WaitlistEntry.Target.DATE, date_from=entry.date_from)
    if entry.staff_id is None:
        return same_day
    return same_day.filter(Q(staff__isnull=True) | Q(staff_id=entry.staff_id))


def entry_position(entry: WaitlistEntry) -> int | None:
    """1 for the next in line; None once the entry is no longer waiting."""
    if not entry.is_live:
        return None
    ahead = _competitors(entry).filter(
        Q(priority__gt=entry.priority)
        | Q(priority=entry.priority, created_at__lt=entry.created_at)
        | Q(priority=entry.priority, created_at=entry.created_at, pk__lt=entry.pk)
    ).exclude(pk=entry.pk)
    return ahead.count() + 1


def waitlist_expected_position(session: Session) -> int:
    """The position a client joining this session's waitlist now would get (new entries have no priority)."""
    return entries_competing_for_session(session).filter(priority__gte=0).count() + 1


def _entries() -> QuerySet[WaitlistEntry]:
    return WaitlistEntry.objects.select_related("service", "session", "staff", "client")


def waitlist_entry_get_by_token(*, token: str, now: dt.datetime | None = None) -> WaitlistEntry:
    """An entry as its client sees it, behind the secret link of its status page (an unknown token is a 404),
    with what the pages and the API show set on it, so that they only read: `queue_position` (None once it no
    longer waits) and `offer_awaiting_answer` (the sent offer the client may still accept or decline; a
    prepared one is the operator's business until released, see `Offer.awaits_answer`)."""
    entry = _entries().filter(token=token).first() if token else None
    if entry is None:
        raise WaitlistNotFoundError("No waitlist entry with this link.")
    entry.queue_position = entry_position(entry)
    entry.offer_awaiting_answer = None
    if entry.status == WaitlistEntry.Status.OFFERED:  # only an offered entry has a sent offer: no query otherwise
        entry.offer_awaiting_answer = (Offer.objects.filter(Offer.awaiting_answer(now or timezone.now()), entry=entry)
                                       .select_related("session", "staff").first())
    return entry


def waitlist_entry_get_for_operator(*, entry_id) -> WaitlistEntry:
    entry = _entries().filter(pk=entry_id).first()
    if entry is None:
        raise WaitlistNotFoundError("No such waitlist entry.")
    return entry


def waitlist_entries_for_operator(*, service_id: int | None = None, session_id: int | None = None,
                                  status: str | None = None) -> QuerySet[WaitlistEntry]:
    entries = _entries()
    if service_id:
        entries = entries.filter(service_id=service_id)
    if session_id:
        entries = entries.filter(session_id=session_id)
    if status:
        entries = entries.filter(status=status)
    return entries.order_by("-priority", "created_at", "id")


def _offers() -> QuerySet[Offer]:
    return Offer.objects.select_related("entry", "entry__client", "service", "session", "staff", "booking")


def offer_get_by_token(*, token: str) -> Offer:
    """An offer behind the secret link sent to the client, once it has been sent: a prepared offer (or one
    withdrawn before it was ever sent) does not exist for the client, on the booking site or in the API."""
    offer = _offers().filter(token=token, sent_at__isnull=False).first() if token else None
    if offer is None:
        raise WaitlistNotFoundError("No offer with this link.")
    return offer


def offer_get_for_operator(*, offer_id) -> Offer:
    offer = _offers().filter(pk=offer_id).first()
    if offer is None:
        raise WaitlistNotFoundError("No such offer.")
    return offer


def offers_for_operator(*, status: str | None = None, service_id: int | None = None,
                        session_id: int | None = None) -> QuerySet[Offer]:
    offers = _offers()
    if status:
        offers = offers.filter(status=status)
    if service_id:
        offers = offers.filter(service_id=service_id)
    if session_id:
        offers = offers.filter(session_id=session_id)
    return offers.order_by("-prepared_at", "-id")


def offers_prepared_for_operator(*, service_id: int | None = None, session_id: int | None = None,
                                 offer_ids: list[int] | None = None) -> QuerySet[Offer]:
    """Prepared offers waiting for staff to release them, oldest first (of a service, a session, or by id)."""
    offers = _offers().filter(status=Offer.Status.PREPARED)
    if service_id:
        offers = offers.filter(service_id=service_id)
    if session_id:
        offers = offers.filter(session_id=session_id)
    if offer_ids is not None:
        offers = offers.filter(pk__in=offer_ids)
    return offers.order_by("prepared_at", "pk")
