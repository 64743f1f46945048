"""Test data, made the quick way (ORM) for setting the scene; the code under test goes through services."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from booking_core.acting import Actor
from booking_core.models import Booking, Client, FormField, Service, Session, StaffMember, WorkingHours
from booking_core.services.bookings import ClientDetails

_sequence = itertools.count(1)

OPERATOR = Actor.system("tests")


def make_service(kind: str = Service.Kind.GROUP, **fields) -> Service:
    number = next(_sequence)
    defaults = {
        "kind": kind, "slug": f"{kind}-{number}", "name_en": f"{kind.title()} service {number}",
        "duration_minutes": 60, "price_amount": 2500, "price_currency": "EUR", "min_notice_minutes": 0,
        "horizon_days": 365, "cancellation_cutoff_minutes": 24 * 60, "max_seats_per_booking": 5,
        "slot_interval_minutes": 30,
    }
    defaults.update(fields)
    return Service.objects.create(**defaults)


def make_session(service: Service | None = None, *, capacity: int = 10, starts_in_days: float = 7,
                 **fields) -> Session:
    service = service or make_service(Service.Kind.GROUP)
    starts_at = fields.pop("starts_at", None) or (
        timezone.now().replace(microsecond=0, second=0) + dt.timedelta(days=starts_in_days)
    )
    return Session.objects.create(
        service=service, starts_at=starts_at, ends_at=starts_at + dt.timedelta(minutes=service.duration_minutes),
        capacity=capacity, **fields,
    )


def make_staff(service: Service | None = None, *, name: str | None = None, hours=((9, 17),),
               weekdays=range(7)) -> StaffMember:
    member = StaffMember.objects.create(name=name or f"Staff {next(_sequence)}")
    if service is not None:
        member.services.add(service)
    for weekday in weekdays:
        for start_hour, end_hour in hours:
            WorkingHours.objects.create(staff=member, weekday=weekday, start_time=dt.time(start_hour),
                                        end_time=dt.time(end_hour))
    return member


def make_question(service: Service, key: str, field_type: str = FormField.Type.TEXT, **fields) -> FormField:
    return FormField.objects.create(service=service, key=key, field_type=field_type,
                                    label_en=fields.pop("label_en", key.replace("_", " ").title()), **fields)


def client_details(name: str = "Dóra Kiss", email: str | None = None) -> ClientDetails:
    return ClientDetails(name=name, email=email or f"client{next(_sequence)}@example.com", phone="+36 30 123 4567")


def make_client(email: str | None = None) -> Client:
    return Client.objects.create(name="Existing Client", email=email or f"known{next(_sequence)}@example.com")


def count_live_seats(session: Session) -> int:
    live = Booking.objects.filter(session=session, status__in=Booking.LIVE_STATUSES)
    return sum(live.values_list("seats", flat=True))


def next_local(zone, weekday: int, hour: int, minute: int = 0, weeks_ahead: int = 1) -> dt.datetime:
    """A future local time on the given weekday (Monday = 0), as an aware datetime in `zone`."""
    today = timezone.now().astimezone(zone).date()
    days = (weekday - today.weekday()) % 7 + 7 * weeks_ahead
    return dt.datetime.combine(today + dt.timedelta(days=days), dt.time(hour, minute), tzinfo=zone)
