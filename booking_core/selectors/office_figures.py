"""The back office dashboard's figures of a period: bookings made, cancellations, no-shows (the waitlist's
seats refilled and revenue protected come from booking_core.waitlist.selectors.figures)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from booking_core.models import Booking


@dataclass(frozen=True)
class PeriodFigures:
    bookings: int
    seats: int
    cancellations: int
    no_shows: int
    attended: int


def period_figures(*, since: dt.datetime, until: dt.datetime, staff_id: int | None = None) -> PeriodFigures:
    """In [since, until): bookings made (and their seats), bookings cancelled, and of the bookings that started,
    the no-shows and the attended. One query."""
    made = Q(created_at__gte=since, created_at__lt=until)
    cancelled = Q(cancelled_at__gte=since, cancelled_at__lt=until)
    started = Q(starts_at__gte=since, starts_at__lt=until)
    bookings = Booking.objects.filter(made | cancelled | started)
    if staff_id:
        bookings = bookings.filter(staff_id=staff_id)
    row = bookings.aggregate(
        bookings=Count("id", filter=made), seats=Sum("seats", filter=made),
        cancellations=Count("id", filter=cancelled & Q(status=Booking.Status.CANCELLED)),
        no_shows=Count("id", filter=started & Q(status=Booking.Status.NO_SHOW)),
        attended=Count("id", filter=started & Q(status=Booking.Status.ATTENDED)),
    )
    return PeriodFigures(bookings=row["bookings"], seats=row["seats"] or 0, cancellations=row["cancellations"],
                         no_shows=row["no_shows"], attended=row["attended"])
