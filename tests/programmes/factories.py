"""Programme test data, made the quick way (ORM) for setting the scene; the code under test goes through services."""

from __future__ import annotations

import datetime as dt
import itertools

from django.db import connection
from django.utils import timezone

from booking_core.acting import Actor
from booking_core.programmes.models import Programme, ProgrammeGroup, SignUp
from booking_core.programmes.services.groups import group_sessions_generate
from booking_core.programmes.services.signups import signup_create
from booking_core.services.bookings import ClientDetails

_sequence = itertools.count(1)


def make_programme(*, open_now: bool = True, **fields) -> Programme:
    """A published programme for December 2026 whose sign-up window is open now (or closed an hour ago). Tests
    that make one run with the clock in that month (the `programmes_month_clock` fixture of tests/conftest.py):
    from January 2027 on, it would be over."""
    number = next(_sequence)
    now = timezone.now()
    defaults = {
        "slug": f"programme-{number}", "name_en": f"Swimming {number}", "name_hu": f"Úszás {number}",
        "name_de": f"Schwimmen {number}", "period_start": dt.date(2026, 12, 1), "period_end": dt.date(2026, 12, 31),
        "signup_opens_at": now - dt.timedelta(days=7),
        "signup_closes_at": now + dt.timedelta(days=7) if open_now else now - dt.timedelta(hours=1),
        "strategy": Programme.Strategy.FAST_FILL, "allocation_mode": Programme.AllocationMode.IMMEDIATE,
        "price_amount": 12000, "price_currency": "EUR", "is_published": True, "offer_auto_send": "on",
    }
    defaults.update(fields)
    if defaults.get("order_mode") == Programme.OrderMode.LOTTERY and defaults.get("lottery_seed") is None:
        defaults["lottery_seed"] = 2026
    return Programme.objects.create(**defaults)


def make_group(programme: Programme, capacity: int = 10, *, position: int | None = None, weekday: int = 0,
               hour: int = 17, **fields) -> ProgrammeGroup:
    position = programme.groups.count() if position is None else position
    group = ProgrammeGroup.objects.create(programme=programme, capacity=capacity, position=position, weekday=weekday,
                                          start_time=dt.time(hour), **fields)
    group_sessions_generate(tenant=connection.tenant, group=group, programme=programme)
    return group


def person(name: str | None = None, email: str | None = None) -> ClientDetails:
    number = next(_sequence)
    return ClientDetails(name=name or f"Client {number}", email=email or f"participant{number}@example.com")


def sign_up(tenant, programme: Programme, preferences=None, *, attendees=None, who: ClientDetails | None = None,
            language: str = "en", actor=None, **extra) -> list[SignUp]:
    """Sign up as a client on the booking site would (window rules apply)."""
    who = who or person()
    return signup_create(tenant=tenant, programme=programme, client=who, attendees=attendees, preferences=preferences,
                         language=language, actor=actor or Actor.client(who.email), **extra)


def one(tenant, programme: Programme, preferences=None, **extra) -> SignUp:
    (signup,) = sign_up(tenant, programme, preferences, **extra)
    return signup


def fresh(instance):
    instance.refresh_from_db()
    return instance
