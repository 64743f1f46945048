"""The back office's overview of waitlists: which upcoming sessions and appointment days have someone waiting
or an open offer. A fixed number of queries and a bounded number of rows whatever the size of the waitlists;
the queue of each one is `candidates_for_session` / `candidates_for_date` (the ranking that prepares offers)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from booking_core.models import Offer, Service, Session, WaitlistEntry

QUEUES_LIMIT = 100


def _count(queryset: QuerySet) -> Coalesce:
    """The number of rows of a subquery filtered by the outer session (all its rows share one session_id, the
    range entries' being null: one group)."""
    counted = queryset.order_by().values("session_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def session_queues_for_operator(*, now: dt.datetime | None = None, limit: int = QUEUES_LIMIT) -> list[Session]:
    """Upcoming, not cancelled sessions that someone waits for (for that session, or for any session of the
    service on its local date) or that have an open offer; soonest first, each with `waiting`, `prepared` and
    `sent` counts (waiting: the live entries for the session and for a date range covering its day)."""
    now = now or timezone.now()
    live = WaitlistEntry.objects.filter(status__in=WaitlistEntry.LIVE_STATUSES)
    for_session = live.filter(target_kind=WaitlistEntry.Target.SESSION, session_id=OuterRef("pk"))
    for_range = live.filter(target_kind=WaitlistEntry.Target.SERVICE_RANGE, service_id=OuterRef("service_id"),
                            date_from__lte=OuterRef("local_day"), date_to__gte=OuterRef("local_day"))
    offers = Offer.objects.filter(session_id=OuterRef("pk"))
    return list(
        Session.objects.filter(is_cancelled=False, starts_at__gt=now)
        .annotate(local_day=TruncDate("starts_at", tzinfo=connection.tenant.zone))
        .filter(Q(Exists(for_session)) | Q(Exists(for_range))
                | Q(Exists(offers.filter(status__in=Offer.OPEN_STATUSES))))
        .annotate(waiting=_count(for_session) + _count(for_range),
                  prepared=_count(offers.filter(status=Offer.Status.PREPARED)),
                  sent=_count(offers.filter(status=Offer.Status.SENT)))
        .select_related("service")
        .order_by("starts_at", "pk")[:limit]
    )


@dataclass(frozen=True)
class DayQueue:
    """An individual service's day with entries waiting for it or offers open on it."""

    service: Service
    day: dt.date
    waiting: int
    prepared: int
    sent: int


def day_queues_for_operator(*, now: dt.datetime | None = None, limit: int = QUEUES_LIMIT) -> list[DayQueue]:
    """Today and later days of individual services with live entries or open offers, soonest first."""
    now = now or timezone.now()
    zone = connection.tenant.zone
    today = now.astimezone(zone).date()
    waiting = (
        WaitlistEntry.objects.filter(target_kind=WaitlistEntry.Target.DATE, status__in=WaitlistEntry.LIVE_STATUSES,
                                     date_from__gte=today)
        .values("service_id", "date_from").annotate(n=Count("pk")).order_by("date_from", "service_id")[:limit]
    )
    offers = (
        Offer.objects.filter(session__isnull=True, status__in=Offer.OPEN_STATUSES, starts_at__gt=now)
        .annotate(day=TruncDate("starts_at", tzinfo=zone))
        .values("service_id", "day", "status").annotate(n=Count("pk")).order_by("day", "service_id")[:limit * 2]
    )
    counts: dict[tuple[int, dt.date], dict[str, int]] = {}
    for row in waiting:
        counts.setdefault((row["service_id"], row["date_from"]), {})["waiting"] = row["n"]
    for row in offers:
        counts.setdefault((row["service_id"], row["day"]), {})[row["status"]] = row["n"]
    keys = sorted(counts, key=lambda key: (key[1], key[0]))[:limit]
    services = Service.objects.in_bulk({service_id for service_id, _day in keys})
    return [
        DayQueue(service=services[service_id], day=day, waiting=counts[(service_id, day)].get("waiting", 0),
                 prepared=counts[(service_id, day)].get(Offer.Status.PREPARED, 0),
                 sent=counts[(service_id, day)].get(Offer.Status.SENT, 0))
        for service_id, day in keys if service_id in services
    ]


def offers_prepared_for_day(*, service_id: int, day: dt.date) -> QuerySet[Offer]:
    """Prepared offers of appointments of a service on a local date, oldest first."""
    zone = connection.tenant.zone
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return (
        Offer.objects.filter(status=Offer.Status.PREPARED, service_id=service_id, session__isnull=True,
                             starts_at__gte=start, starts_at__lt=end)
        .select_related("entry", "entry__client")
        .order_by("prepared_at", "pk")
    )
