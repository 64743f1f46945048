"""Revenue protection figures: what the waitlist won back, per service and for the whole organisation."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum

from booking_core.models import Booking, Offer, Service


@dataclass
class WaitlistFigures:
    service_id: int | None
    service_name: str
    offers_prepared: int = 0
    offers_sent: int = 0
    offers_accepted: int = 0
    offers_declined: int = 0
    offers_expired: int = 0
    seats_refilled: int = 0
    median_minutes_freed_to_booking: float | None = None
    # Minor units per ISO currency: services may be priced in different currencies.
    revenue_recovered: dict[str, int] = field(default_factory=dict)

    @property
    def acceptance_rate(self) -> float | None:
        return round(self.offers_accepted / self.offers_sent, 3) if self.offers_sent else None


def _minutes(delta: dt.timedelta) -> float:
    return delta.total_seconds() / 60


def waitlist_figures(*, since: dt.datetime | None = None, until: dt.datetime | None = None,
                     service_id: int | None = None) -> tuple[WaitlistFigures, list[WaitlistFigures]]:
    """(organisation total, one row per service with offers), counting offers prepared in [since, until)."""
    offers = Offer.objects.all()
    if since:
        offers = offers.filter(prepared_at__gte=since)
    if until:
        offers = offers.filter(prepared_at__lt=until)
    if service_id:
        offers = offers.filter(service_id=service_id)
    # A place counts as refilled while the booking it became stands (or took place): a booking cancelled
    # later recovered nothing.
    accepted = Q(status=Offer.Status.ACCEPTED) & ~Q(booking__status=Booking.Status.CANCELLED)
    per_service = offers.values("service_id").annotate(
        prepared=Count("id"),
        sent=Count("id", filter=Q(sent_at__isnull=False)),
        accepted=Count("id", filter=Q(status=Offer.Status.ACCEPTED)),
        declined=Count("id", filter=Q(status=Offer.Status.DECLINED)),
        expired=Count("id", filter=Q(status=Offer.Status.EXPIRED)),
        seats=Sum("seats", filter=accepted),
    )
    durations: dict[int, list[float]] = defaultdict(list)
    for sid, freed_at, booked_at in offers.filter(accepted).values_list("service_id", "freed_at", "responded_at"):
        durations[sid].append(_minutes(booked_at - freed_at))
    services = Service.objects.in_bulk([row["service_id"] for row in per_service])
    rows, total = [], WaitlistFigures(service_id=None, service_name="")
    all_durations: list[float] = []
    for row in per_service:
        service = services[row["service_id"]]
        seats = row["seats"] or 0
        figures = WaitlistFigures(
            service_id=service.pk, service_name=str(service), offers_prepared=row["prepared"],
            offers_sent=row["sent"], offers_accepted=row["accepted"], offers_declined=row["declined"],
            offers_expired=row["expired"], seats_refilled=seats,
            median_minutes_freed_to_booking=_median(durations[service.pk]),
            revenue_recovered={service.price_currency: seats * service.price_amount} if seats else {},
        )
        rows.append(figures)
        all_durations += durations[service.pk]
        for name in ("offers_prepared", "offers_sent", "offers_accepted", "offers_declined", "offers_expired",
                     "seats_refilled"):
            setattr(total, name, getattr(total, name) + getattr(figures, name))
        for currency, amount in figures.revenue_recovered.items():
            total.revenue_recovered[currency] = total.revenue_recovered.get(currency, 0) + amount
    total.median_minutes_freed_to_booking = _median(all_durations)
    rows.sort(key=lambda figures: (-figures.seats_refilled, figures.service_name))
    return total, rows


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None

