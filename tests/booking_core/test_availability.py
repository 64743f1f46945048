"""Free slots: working hours, overrides, time off, buffers, notice, horizon, and clock changes."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booking_core.models import AvailabilityOverride, Service, TimeOff
from booking_core.selectors.availability import (
    SlotRules,
    StaffCalendars,
    days_overview,
    free_slots,
    free_slots_from,
    free_slots_in,
    local_window,
)
from booking_core.services.bookings import booking_create_individual
from tests.factories import OPERATOR, client_details, make_service, make_staff

BUDAPEST, NEW_YORK = ZoneInfo("Europe/Budapest"), ZoneInfo("America/New_York")
# Days on which the clocks change (spring forward, fall back) in 2026 and 2027.
TRANSITIONS = {
    BUDAPEST: [dt.date(2026, 3, 29), dt.date(2026, 10, 25), dt.date(2027, 3, 28), dt.date(2027, 10, 31)],
    NEW_YORK: [dt.date(2026, 3, 8), dt.date(2026, 11, 1), dt.date(2027, 3, 14), dt.date(2027, 11, 7)],
}
LONG_AGO = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
FAR_AHEAD = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
minutes = dt.timedelta(minutes=1)


# --- the pure arithmetic, property-tested around clock changes -------------------------------------------

grid_times = st.integers(min_value=0, max_value=(24 * 60 - 5) // 5).map(lambda n: dt.time(n * 5 // 60, n * 5 % 60))


@st.composite
def scenarios(draw):
    zone = draw(st.sampled_from([BUDAPEST, NEW_YORK]))
    day = draw(st.sampled_from(TRANSITIONS[zone])) + dt.timedelta(days=draw(st.integers(-1, 1)))
    start, end = sorted(draw(st.lists(grid_times, min_size=2, max_size=2, unique=True)))
    window = local_window(day, start, end, zone)
    busy = []
    for _ in range(draw(st.integers(0, 3))):
        offset = draw(st.integers(0, 24 * 12)) * 5
        length = draw(st.integers(1, 36)) * 5
        busy_start = window[0] - dt.timedelta(hours=2) + offset * minutes
        busy.append((busy_start, busy_start + length * minutes))
    return {
        "zone": zone, "day": day, "window": window, "busy": busy,
        "duration": draw(st.integers(1, 36)) * 5 * minutes,
        "buffer_before": draw(st.integers(0, 6)) * 5 * minutes,
        "buffer_after": draw(st.integers(0, 6)) * 5 * minutes,
        "interval": draw(st.integers(1, 12)) * 5 * minutes,
    }


def _slots(scenario):
    return free_slots_from(
        windows=[scenario["window"]], busy=scenario["busy"], duration=scenario["duration"],
        buffer_before=scenario["buffer_before"], buffer_after=scenario["buffer_after"],
        interval=scenario["interval"], earliest=LONG_AGO, latest=FAR_AHEAD,
    )


@settings(max_examples=400, deadline=None)
@given(scenarios())
def test_every_slot_lasts_exactly_the_duration_inside_the_window_and_clear_of_busy_time(scenario):
    window_start, window_end = scenario["window"]
    for start, end in _slots(scenario):
        assert end - start == scenario["duration"]
        assert window_start <= start and end <= window_end
        assert (start - window_start) % scenario["interval"] == dt.timedelta(0)
        span = (start - scenario["buffer_before"], end + scenario["buffer_after"])
        assert all(not (span[0] < busy_end and busy_start < span[1]) for busy_start, busy_end in scenario["busy"])


@settings(max_examples=400, deadline=None)
@given(scenarios())
def test_no_free_slot_is_missing(scenario):
    # every grid start that fits and is clear of busy time is offered (checked by brute force)
    window_start, window_end = scenario["window"]
    offered = {start for start, _end in _slots(scenario)}
    start = window_start
    while start + scenario["duration"] <= window_end:
        span = (start - scenario["buffer_before"], start + scenario["duration"] + scenario["buffer_after"])
        clear = all(not (span[0] < b_end and b_start < span[1]) for b_start, b_end in scenario["busy"])
        assert (start in offered) == clear
        start += scenario["interval"]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([BUDAPEST, NEW_YORK]), st.integers(0, 3), st.integers(8, 11))
def test_daytime_hours_keep_their_wall_clock_times_on_clock_change_days(zone, which, opening_hour):
    day = TRANSITIONS[zone][which]
    window = local_window(day, dt.time(opening_hour), dt.time(17), zone)
    slots = free_slots_from(windows=[window], busy=[], duration=60 * minutes, buffer_before=dt.timedelta(0),
                            buffer_after=dt.timedelta(0), interval=60 * minutes, earliest=LONG_AGO, latest=FAR_AHEAD)
    local_hours = [start.astimezone(zone).hour for start, _end in slots]
    assert local_hours == list(range(opening_hour, 17))


@pytest.mark.parametrize(("zone", "which", "hours"), [
    (BUDAPEST, 0, 5), (BUDAPEST, 1, 7), (NEW_YORK, 0, 5), (NEW_YORK, 1, 7),
])
def test_a_night_window_across_the_change_is_as_long_as_the_clock_says(zone, which, hours):
    # 00:00-06:00 local lasts 5 hours when clocks spring forward and 7 when they fall back
    start, end = local_window(TRANSITIONS[zone][which], dt.time(0), dt.time(6), zone)
    assert end - start == dt.timedelta(hours=hours)


# --- a month's free and booked-out days: the sweep agrees with listing every slot ----------------------------


@st.composite
def month_calendars(draw):
    """Up to three staff members over eight days around a clock change: weekly hours (some split), overrides
    (other hours or a day off), bookings and time off anywhere in the range (some across midnight), and
    notice and horizon cutting into the range."""
    zone = draw(st.sampled_from([BUDAPEST, NEW_YORK]))
    first = draw(st.sampled_from(TRANSITIONS[zone])) - dt.timedelta(days=draw(st.integers(0, 6)))
    days = [first + dt.timedelta(days=offset) for offset in range(8)]
    range_start = local_window(first, dt.time(0), dt.time(0), zone)[0]
    staff_ids = list(range(1, draw(st.integers(1, 3)) + 1))
    weekly, overrides = {}, {}
    booked: dict[int, list] = {}
    time_off: dict[int, list] = {}

    def hours():
        return [tuple(sorted(pair)) for pair in draw(st.lists(
            st.lists(grid_times, min_size=2, max_size=2, unique=True), max_size=2))]

    def intervals():
        found = []
        for _ in range(draw(st.integers(0, 30))):
            start = range_start + draw(st.integers(-24 * 12, 9 * 24 * 12)) * 5 * minutes
            found.append((start, start + draw(st.integers(1, 48)) * 5 * minutes))
        return found

    for staff in staff_ids:
        for weekday in draw(st.sets(st.integers(0, 6))):
            weekly[(staff, weekday)] = hours()
        for day in draw(st.sets(st.sampled_from(days), max_size=3)):
            overrides[(staff, day)] = hours() or [None]
        booked[staff], time_off[staff] = intervals(), intervals()
    now = range_start + draw(st.integers(-24, 4 * 24)) * 60 * minutes
    rules = SlotRules(
        duration=draw(st.integers(1, 24)) * 5 * minutes, buffer_before=draw(st.integers(0, 6)) * 5 * minutes,
        buffer_after=draw(st.integers(0, 6)) * 5 * minutes, interval=draw(st.integers(1, 12)) * 5 * minutes,
        earliest=now + draw(st.integers(0, 24 * 60)) * minutes,
        latest=now + draw(st.integers(1, 10)) * 24 * 60 * minutes,
    )
    return zone, days, StaffCalendars(staff_ids, weekly, overrides, booked, time_off), rules


@settings(max_examples=300, deadline=None)
@given(month_calendars())
def test_the_days_overview_is_what_listing_every_slot_says(scenario):
    zone, days, calendars, rules = scenario

    def local_days(slots) -> set[dt.date]:
        return {slot.starts_at.astimezone(zone).date() for slot in slots}.intersection(days)

    # when
    overview = days_overview(calendars, rules=rules, zone=zone, days=days)
    # then: as start_times_by_day and fully_booked_days find them from every slot of the range
    free = local_days(free_slots_in(calendars, rules=rules, zone=zone, days=days))
    unbooked = local_days(free_slots_in(calendars, rules=rules, zone=zone, days=days, as_if_unbooked=True))
    assert (overview.free, overview.booked_out) == (free, unbooked - free)


def test_a_day_whose_only_free_slot_touches_a_booking_is_free_and_a_day_with_only_bookings_is_booked_out():
    # given: 09:00-11:00 hours, one-hour slots with a 15-minute buffer before; on Monday a booking until
    # 09:45 (10:00 is free: its buffer starts as the booking ends), on Tuesday both 09:00 and 10:00 booked
    monday, tuesday = dt.date(2026, 12, 7), dt.date(2026, 12, 8)
    booked = [(dt.datetime(2026, 12, 7, 8, 30, tzinfo=BUDAPEST), dt.datetime(2026, 12, 7, 9, 45, tzinfo=BUDAPEST)),
              (dt.datetime(2026, 12, 8, 9, tzinfo=BUDAPEST), dt.datetime(2026, 12, 8, 11, tzinfo=BUDAPEST))]
    calendars = StaffCalendars([1], {(1, 0): [(dt.time(9), dt.time(11))], (1, 1): [(dt.time(9), dt.time(11))]},
                               {}, {1: booked}, {})
    rules = SlotRules(duration=60 * minutes, buffer_before=15 * minutes, buffer_after=dt.timedelta(0),
                      interval=60 * minutes, earliest=LONG_AGO, latest=FAR_AHEAD)
    # when
    overview = days_overview(calendars, rules=rules, zone=BUDAPEST, days=[monday, tuesday])
    # then
    assert (overview.free, overview.booked_out) == ({monday}, {tuesday})


# --- loading from the database --------------------------------------------------------------------------


@pytest.fixture
def alpha(tenant_alpha, in_tenant, db):
    with in_tenant(tenant_alpha):
        yield tenant_alpha


@pytest.fixture
def service(alpha):
    return make_service(Service.Kind.INDIVIDUAL, duration_minutes=60, slot_interval_minutes=60,
                        buffer_before_minutes=0, buffer_after_minutes=0, min_notice_minutes=0, horizon_days=400)


def _local_starts(slots, zone):
    return [slot.starts_at.astimezone(zone).strftime("%H:%M") for slot in slots]


def test_slots_follow_weekly_hours_in_the_tenants_zone(alpha, service):
    make_staff(service, hours=((9, 12),))
    day = dt.date(2026, 12, 7)
    slots = free_slots(service=service, zone=alpha.zone, date_from=day, date_to=day,
                       now=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    assert _local_starts(slots, alpha.zone) == ["09:00", "10:00", "11:00"]


def test_an_override_replaces_the_weekly_hours_and_a_day_off_has_none(alpha, service):
    staff = make_staff(service, hours=((9, 12),))
    AvailabilityOverride.objects.create(staff=staff, date=dt.date(2026, 12, 8), start_time=dt.time(14),
                                        end_time=dt.time(16))
    AvailabilityOverride.objects.create(staff=staff, date=dt.date(2026, 12, 9))
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    tuesday = free_slots(service=service, zone=alpha.zone, date_from=dt.date(2026, 12, 8),
                         date_to=dt.date(2026, 12, 8), now=now)
    wednesday = free_slots(service=service, zone=alpha.zone, date_from=dt.date(2026, 12, 9),
                           date_to=dt.date(2026, 12, 9), now=now)
    assert _local_starts(tuesday, alpha.zone) == ["14:00", "15:00"]
    assert wednesday == []


def test_time_off_and_bookings_with_buffers_remove_slots(alpha):
    service = make_service(Service.Kind.INDIVIDUAL, duration_minutes=60, slot_interval_minutes=30,
                           buffer_after_minutes=30, min_notice_minutes=0, horizon_days=400)
    staff = make_staff(service, hours=((9, 14),))
    day, zone = dt.date(2026, 12, 10), alpha.zone
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    TimeOff.objects.create(staff=staff, starts_at=dt.datetime(2026, 12, 10, 12, tzinfo=zone),
                           ends_at=dt.datetime(2026, 12, 10, 14, tzinfo=zone), reason="Dentist")
    booking_create_individual(tenant=alpha, service=service, starts_at=dt.datetime(2026, 12, 10, 9, tzinfo=zone),
                              client=client_details(), actor=OPERATOR, now=now)
    slots = free_slots(service=service, zone=zone, date_from=day, date_to=day, now=now)
    # 09:00 booked until 10:30 with its buffer; 11:00 would run into time off with its buffer (12:30)
    assert _local_starts(slots, zone) == ["10:30"]


def test_minimum_notice_and_horizon_limit_the_offer(alpha):
    service = make_service(Service.Kind.INDIVIDUAL, duration_minutes=60, slot_interval_minutes=60,
                           min_notice_minutes=120, horizon_days=1)
    make_staff(service, hours=((8, 20),))
    zone = alpha.zone
    now = dt.datetime(2026, 12, 10, 10, tzinfo=zone)
    slots = free_slots(service=service, zone=zone, date_from=dt.date(2026, 12, 10),
                       date_to=dt.date(2026, 12, 12), now=now)
    assert slots[0].starts_at == dt.datetime(2026, 12, 10, 12, tzinfo=zone)
    assert slots[-1].starts_at == dt.datetime(2026, 12, 11, 10, tzinfo=zone)


def test_working_hours_on_the_spring_forward_day_in_budapest(alpha, service):
    make_staff(service, hours=((1, 5),))
    day = dt.date(2027, 3, 28)
    slots = free_slots(service=service, zone=BUDAPEST, date_from=day, date_to=day,
                       now=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    # 01:00-05:00 local is only three real hours that night: 02:00-03:00 does not exist
    assert _local_starts(slots, BUDAPEST) == ["01:00", "03:00", "04:00"]
    assert all(slot.ends_at - slot.starts_at == dt.timedelta(hours=1) for slot in slots)


def test_inactive_staff_offer_nothing(alpha, service):
    staff = make_staff(service)
    staff.is_active = False
    staff.save()
    assert free_slots(service=service, zone=alpha.zone, date_from=dt.date(2026, 12, 7),
                      date_to=dt.date(2026, 12, 8), now=dt.datetime(2026, 12, 1, tzinfo=dt.UTC)) == []
