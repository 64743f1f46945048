"""Reads for the client-facing booking site: bookable days, start times of a day, upcoming sessions, and
what the site shows of waitlists and programmes.

Built on `free_slots` (one call loads everything a date range needs, with a fixed number of queries), so
the site shows exactly what the booking services accept: a start time listed here passes `slot_is_free`.
The site shows start times, not staff slots: several staff members free at the same time are one start.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, Subquery
from django.utils import timezone

from booking_core.models import Offer, Service, Session, WaitlistEntry
from booking_core.programmes.errors import ProgrammeNotFoundError
from booking_core.programmes.models import PlaceOffer, Programme, ProgrammeSession, SignUp
from booking_core.programmes.selectors import programme_get_for_clients
from booking_core.selectors.availability import (
    Slot,
    SlotRules,
    days_overview,
    free_slots,
    free_slots_in,
    staff_calendars_load,
)
from booking_core.selectors.sessions import sessions_upcoming
from booking_core.waitlist.selectors.entries import entries_competing_for_session

NEXT_FREE_SEARCH_DAYS = 14


@dataclass(frozen=True)
class StartTime:
    """A start time of an individual service and the staff members free then (in primary-key order)."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    staff_ids: tuple[int, ...]


def bookable_range(*, service: Service, zone: ZoneInfo, now: dt.datetime | None = None) -> tuple[dt.date, dt.date]:
    """The first and last local dates on which the service can be booked at all (notice and horizon)."""
    now = now or timezone.now()
    first = (now + dt.timedelta(minutes=service.min_notice_minutes)).astimezone(zone).date()
    last = (now + dt.timedelta(days=service.horizon_days)).astimezone(zone).date()
    return first, last


def start_times_by_day(
    *,
    service: Service,
    zone: ZoneInfo,
    date_from: dt.date,
    date_to: dt.date,
    staff_id: int | None = None,
    ignore_booking_id: int | None = None,
    now: dt.datetime | None = None,
) -> dict[dt.date, list[StartTime]]:
    """Free start times between two local dates (inclusive), by local date; days without any are left out."""
    first, last = bookable_range(service=service, zone=zone, now=now)
    date_from, date_to = max(date_from, first), min(date_to, last)
    if date_to < date_from:
        return {}
    slots = free_slots(service=service, zone=zone, date_from=date_from, date_to=date_to, staff_id=staff_id,
                       now=now, ignore_booking_id=ignore_booking_id)
    return _start_times_by_day(slots, zone=zone, date_from=date_from, date_to=date_to)


def _start_times_by_day(slots: list[Slot], *, zone: ZoneInfo, date_from: dt.date,
                        date_to: dt.date) -> dict[dt.date, list[StartTime]]:
    staff_by_start: dict[tuple[dt.datetime, dt.datetime], list[int]] = defaultdict(list)
    for slot in slots:
        staff_by_start[(slot.starts_at, slot.ends_at)].append(slot.staff_id)
    days: dict[dt.date, list[StartTime]] = defaultdict(list)
    for (starts_at, ends_at), staff_ids in sorted(staff_by_start.items()):
        day = starts_at.astimezone(zone).date()
        if date_from <= day <= date_to:
            days[day].append(StartTime(starts_at, ends_at, tuple(sorted(staff_ids))))
    return dict(days)


def start_time_get(
    *,
    service: Service,
    zone: ZoneInfo,
    starts_at: dt.datetime,
    staff_id: int | None = None,
    ignore_booking_id: int | None = None,
    now: dt.datetime | None = None,
) -> StartTime | None:
    """The start time `starts_at` if it is still free (with that staff member, when given), else None."""
    day = starts_at.astimezone(zone).date()
    times = start_times_by_day(service=service, zone=zone, date_from=day, date_to=day, staff_id=staff_id,
                               ignore_booking_id=ignore_booking_id, now=now)
    return next((start for start in times.get(day, []) if start.starts_at == starts_at), None)


def next_free_start_times(
    *,
    service: Service,
    zone: ZoneInfo,
    after: dt.datetime,
    staff_id: int | None = None,
    count: int = 3,
    ignore_booking_id: int | None = None,
    now: dt.datetime | None = None,
) -> list[StartTime]:
    """The first `count` free start times at or after `after`, looking up to two weeks ahead (and never past
    the bookable range)."""
    day = after.astimezone(zone).date()
    _first, last = bookable_range(service=service, zone=zone, now=now)
    if day > last:
        return []  # also keeps `day + 14 days` from running off the calendar for a time in the year 9999
    times = start_times_by_day(service=service, zone=zone, date_from=day,
                               date_to=min(last, day + dt.timedelta(days=NEXT_FREE_SEARCH_DAYS)), staff_id=staff_id,
                               ignore_booking_id=ignore_booking_id, now=now)
    upcoming = [start for day_times in times.values() for start in day_times if start.starts_at >= after]
    return sorted(upcoming, key=lambda start: start.starts_at)[:count]


def fully_booked_days(
    *,
    service: Service,
    zone: ZoneInfo,
    date_from: dt.date,
    date_to: dt.date,
    free_days: set[dt.date],
    staff_id: int | None = None,
    now: dt.datetime | None = None,
) -> set[dt.date]:
    """The days between two local dates (inclusive, within the bookable range) that are not in `free_days`
    but would have start times if nobody had booked: working days that are booked out, whose waitlist is
    worth offering. Days off, time off and hours already past are not booked out.

    A fixed number of queries however long the range: the free slots as if nobody had booked.
    """
    now = now or timezone.now()
    first, last = bookable_range(service=service, zone=zone, now=now)
    date_from, date_to = max(date_from, first), min(date_to, last)
    days = [date_from + dt.timedelta(days=offset) for offset in range((date_to - date_from).days + 1)]
    candidates = [day for day in days if day not in free_days]
    if not candidates:
        return set()
    unbooked = free_slots(service=service, zone=zone, date_from=candidates[0], date_to=candidates[-1],
                          staff_id=staff_id, now=now, as_if_unbooked=True)
    return {slot.starts_at.astimezone(zone).date() for slot in unbooked}.intersection(candidates)


@dataclass(frozen=True)
class MonthAvailability:
    """What a month calendar shows: the days with free start times, the booked-out days (whose waitlist is
    worth offering) and the chosen day's start times."""

    free_days: set[dt.date]
    booked_out_days: set[dt.date]
    day_times: list[StartTime]


def month_availability(
    *,
    service: Service,
    zone: ZoneInfo,
    date_from: dt.date,
    date_to: dt.date,
    selected: dt.date | None = None,
    staff_id: int | None = None,
    now: dt.datetime | None = None,
) -> MonthAvailability:
    """`start_times_by_day`'s days, `fully_booked_days` and the start times of `selected` together, from one
    load of the staff calendars (a fixed two queries however long the range and however many bookings) and
    one sweep per staff member and day that stops at the day's first free slot."""
    now = now or timezone.now()
    first, last = bookable_range(service=service, zone=zone, now=now)
    date_from, date_to = max(date_from, first), min(date_to, last)
    if date_to < date_from:
        return MonthAvailability(set(), set(), [])
    calendars = staff_calendars_load(service=service, zone=zone, date_from=date_from, date_to=date_to,
                                     staff_id=staff_id)
    if not calendars.staff_ids:
        return MonthAvailability(set(), set(), [])
    rules = SlotRules.of(service, now)
    days = [date_from + dt.timedelta(days=offset) for offset in range((date_to - date_from).days + 1)]
    overview = days_overview(calendars, rules=rules, zone=zone, days=days)
    day_times = []
    if selected in overview.free:
        slots = free_slots_in(calendars, rules=rules, zone=zone, days=[selected])
        day_times = _start_times_by_day(slots, zone=zone, date_from=selected, date_to=selected).get(selected, [])
    return MonthAvailability(overview.free, overview.booked_out, day_times)


def sessions_for_clients(
    *, service: Service, after_session_id: int | None = None, limit: int = 30, now: dt.datetime | None = None
) -> tuple[list[Session], bool]:
    """Up to `limit` upcoming sessions of a group service (full ones included), in time order after the
    session `after_session_id` when given (the next page), and whether more follow."""
    sessions = sessions_upcoming(service=service, now=now)
    if after_session_id is not None:
        after = Subquery(Session.objects.filter(pk=after_session_id).values("starts_at")[:1])
        sessions = sessions.filter(Q(starts_at__gt=after) | Q(starts_at=after, pk__gt=after_session_id))
    sessions = list(sessions[: limit + 1])
    for session in sessions:
        session.service = service  # the caller's copy carries the prefetched form and staff
    return sessions[:limit], len(sessions) > limit


# --- waitlists --------------------------------------------------------------------------------------------


def waitlist_expected_positions(*, sessions: list[Session]) -> dict[int, int]:
    """For the full sessions among `sessions` (one page of a service), the position a client joining each
    one's waitlist now would get: `waitlist_expected_position` for all of them in one query."""
    full = [session for session in sessions if session.seats_free == 0]
    if not full:
        return {}
    counts = WaitlistEntry.objects.filter(
        service_id__in={session.service_id for session in full}, status__in=WaitlistEntry.LIVE_STATUSES,
        priority__gte=0,
    ).aggregate(**{
        f"session_{session.pk}": Count("pk", filter=Q(pk__in=entries_competing_for_session(session).values("pk")))
        for session in full
    })
    return {session.pk: counts[f"session_{session.pk}"] + 1 for session in full}


def waitlist_expected_position_for_day(*, service: Service, day: dt.date, staff_id: int | None = None) -> int:
    """The position a client joining the waitlist for an appointment on `day` (with anyone, or with
    `staff_id`) would get now: behind every live entry for that day they compete with."""
    entries = WaitlistEntry.objects.filter(
        target_kind=WaitlistEntry.Target.DATE, service=service, date_from=day,
        status__in=WaitlistEntry.LIVE_STATUSES, priority__gte=0,
    )
    if staff_id is not None:
        entries = entries.filter(Q(staff__isnull=True) | Q(staff_id=staff_id))
    return entries.count() + 1


def accepted_offer_of(entry: WaitlistEntry) -> Offer | None:
    """The offer an entry accepted, with the booking it became (for the closed entry's page)."""
    return (Offer.objects.filter(entry=entry, status=Offer.Status.ACCEPTED).select_related("booking")
            .order_by("-responded_at").first())


# --- programmes ----------------------------------------------------------------------------------------------


def programmes_not_closed(*, now: dt.datetime | None = None) -> list[Programme]:
    """Published programmes whose sign-up has not closed yet (open now or opening later), soonest-closing
    first, without their groups: the home page's cards at any later moment are `programmes_open_at` of these,
    until a programme changes. Lets the site keep the list instead of asking for it on every home page."""
    now = now or timezone.now()
    return list(Programme.objects.filter(is_published=True, signup_closes_at__gt=now)
                .order_by("signup_closes_at", "id"))


def programmes_open_at(programmes: list[Programme], now: dt.datetime | None = None) -> list[Programme]:
    """Those of `programmes` whose sign-up window is open at `now` (programmes_for_home's choice, in its order)."""
    now = now or timezone.now()
    return [programme for programme in programmes if programme.window_is_open(now)]


def programme_get_for_clients_by_slug(*, slug: str) -> Programme:
    """A published programme by its address, loaded as `programme_get_for_clients` loads it by id."""
    programme_id = Programme.objects.filter(slug=slug, is_published=True).values_list("pk", flat=True).first()
    if programme_id is None:
        raise ProgrammeNotFoundError("No such programme.")
    return programme_get_for_clients(programme_id=programme_id)


def programme_signup_window(programme: Programme, *, now: dt.datetime | None = None) -> str:
    """"open", "not_open_yet" or "closed": where the sign-up window stands for clients now."""
    now = now or timezone.now()
    if now < programme.signup_opens_at:
        return "not_open_yet"
    return "open" if programme.window_is_open(now) else "closed"


def programme_sessions_of_group(*, group_id: int) -> list[ProgrammeSession]:
    return list(ProgrammeSession.objects.filter(group_id=group_id).order_by("starts_at", "id"))


def signups_made_together(signup: SignUp) -> list[SignUp]:
    """The other people signed up in the same submit as `signup` (same client, same moment)."""
    return list(SignUp.objects.filter(programme_id=signup.programme_id, client_id=signup.client_id,
                                      created_at=signup.created_at)
                .exclude(pk=signup.pk).select_related("group").order_by("id"))


def signup_can_withdraw(signup: SignUp, *, zone: ZoneInfo, now: dt.datetime | None = None) -> bool:
    """Whether the participant may still withdraw online (`signup_withdraw`'s rules)."""
    now = now or timezone.now()
    return signup.is_live and signup.programme.period_end >= now.astimezone(zone).date()


def place_offer_participants(offer: PlaceOffer) -> list[SignUp]:
    """Who a place offer is for (one person, or a household), in the order they signed up."""
    return list(SignUp.objects.filter(offer=offer).exclude(status=SignUp.Status.WITHDRAWN)
                .select_related("client").order_by("id"))
