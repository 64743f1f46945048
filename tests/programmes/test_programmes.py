"""Programmes and groups: sessions on the tenant's wall clock across DST, frozen allocation settings, roll-over."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from booking_core.acting import Actor
from booking_core.models import AuditEntry
from booking_core.programmes.errors import ProgrammeError
from booking_core.programmes.models import Programme, ProgrammeSession, SignUp
from booking_core.programmes.schedule import add_months, session_times, shift_local, shift_period
from booking_core.programmes.services.groups import group_create, group_delete, group_update
from booking_core.programmes.services.programmes import (
    programme_create,
    programme_delete,
    programme_roll_over,
    programme_update,
)
from booking_core.programmes.services.signups import signup_withdraw
from tests.programmes.factories import fresh, make_group, make_programme, one

pytestmark = pytest.mark.django_db
OPERATOR = Actor.system("staff")
BUDAPEST = ZoneInfo("Europe/Budapest")


def test_weekly_sessions_keep_their_local_time_across_the_clock_change():
    # when: Sundays 10:00 in Budapest around the end of summer time (26 October 2025)
    times = session_times(weekday=6, start_time=dt.time(10), duration_minutes=60, first_day=dt.date(2025, 10, 15),
                          last_day=dt.date(2025, 11, 5), zone=BUDAPEST)

    # then
    assert [start.astimezone(BUDAPEST).strftime("%d %H:%M") for start, _end in times] == [
        "19 10:00", "26 10:00", "02 10:00"]
    assert [start.strftime("%H:%M") for start, _end in times] == ["08:00", "09:00", "09:00"]
    assert {end - start for start, end in times} == {dt.timedelta(hours=1)}


def test_a_session_spanning_the_clock_change_lasts_its_duration_in_real_time():
    # when: Sunday 29 March 2026, 01:30-03:30 Budapest wall clock would be only one real hour
    ((start, end),) = session_times(weekday=6, start_time=dt.time(1, 30), duration_minutes=120,
                                    first_day=dt.date(2026, 3, 29), last_day=dt.date(2026, 3, 29), zone=BUDAPEST)

    # then
    assert end - start == dt.timedelta(hours=2)
    assert end.astimezone(BUDAPEST).strftime("%H:%M") == "04:30"


def test_calendar_months_shift_whole_months_and_keep_the_wall_clock():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert shift_period(dt.date(2026, 11, 1), dt.date(2026, 11, 30)) == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert shift_period(dt.date(2026, 12, 1), dt.date(2026, 12, 15)) == (dt.date(2027, 1, 1), dt.date(2027, 1, 15))
    march = dt.datetime(2026, 3, 15, 9, 0, tzinfo=BUDAPEST)
    assert shift_local(march, BUDAPEST).astimezone(BUDAPEST) == dt.datetime(2026, 4, 15, 9, 0, tzinfo=BUDAPEST)


def test_a_group_gets_its_sessions_for_the_period_and_follows_a_new_time(alpha):
    # given
    programme = make_programme(period_start=dt.date(2026, 12, 1), period_end=dt.date(2026, 12, 31))

    # when
    group = group_create(tenant=alpha, programme=programme, actor=OPERATOR, capacity=8, weekday=0,
                         start_time=dt.time(17), duration_minutes=45)
    group_update(tenant=alpha, group=group, actor=OPERATOR, start_time=dt.time(18), location="Pool B")

    # then: the Mondays of December 2026, at 18:00 Budapest time (UTC+1)
    starts = list(ProgrammeSession.objects.filter(group=group).values_list("starts_at", flat=True))
    assert [start.astimezone(BUDAPEST).strftime("%d %H:%M") for start in starts] == [
        "07 18:00", "14 18:00", "21 18:00", "28 18:00"]
    assert fresh(group).location == "Pool B"
    with pytest.raises(ProgrammeError):
        group_update(tenant=alpha, group=group, actor=OPERATOR, capacity=1)


def test_a_lottery_programme_draws_its_seed_when_created(alpha):
    # when
    programme = programme_create(
        tenant=alpha, actor=OPERATOR, slug="swim-dec", name_en="Swimming, December", period_start=dt.date(2026, 12, 1),
        period_end=dt.date(2026, 12, 31), signup_opens_at=timezone.now(),
        signup_closes_at=timezone.now() + dt.timedelta(days=10), order_mode="lottery", allocation_mode="batch")

    # then
    assert programme.lottery_seed is not None
    assert AuditEntry.objects.get(object_type="programme", object_id=programme.pk).action == "programme.created"
    now = timezone.now()
    with pytest.raises(ProgrammeError) as refused:
        programme_create(tenant=alpha, actor=OPERATOR, slug="bad", name_en="", period_start=dt.date(2026, 12, 1),
                         period_end=dt.date(2026, 11, 1), signup_opens_at=now, signup_closes_at=now)
    assert set(refused.value.fields) >= {"name_en", "period_end", "signup_closes_at"}


def test_allocation_settings_freeze_once_places_were_allocated(alpha):
    # given
    programme = make_programme()
    make_group(programme, 5)
    programme_update(tenant=alpha, programme=programme, actor=OPERATOR, strategy="balanced")
    one(alpha, programme)

    # when / then
    with pytest.raises(ProgrammeError) as refused:
        programme_update(tenant=alpha, programme=fresh(programme), actor=OPERATOR, strategy="fast_fill")
    assert refused.value.fields == {"strategy": ["Frozen after allocation."]}
    programme_update(tenant=alpha, programme=fresh(programme), actor=OPERATOR, name_en="Swimming!")
    with pytest.raises(ProgrammeError):
        programme_delete(programme=programme, actor=OPERATOR)


def test_a_group_people_had_places_in_is_cancelled_not_deleted(alpha):
    # given
    programme = make_programme()
    used, empty = make_group(programme, 5), make_group(programme, 5)
    one(alpha, programme, [used.pk])

    # when / then
    with pytest.raises(ProgrammeError):
        group_delete(group=used, actor=OPERATOR)
    group_delete(group=empty, actor=OPERATOR)
    assert list(programme.groups.values_list("pk", flat=True)) == [used.pk]


def test_a_group_whose_only_participant_left_keeps_its_history_and_is_not_deleted(alpha):
    # given: someone had a place in the group and withdrew; the group is empty again
    programme = make_programme()
    group = make_group(programme, 5)
    signup_withdraw(tenant=alpha, signup=one(alpha, programme, [group.pk]), actor=OPERATOR)
    assert (fresh(group).places_taken, SignUp.objects.filter(group=group).exists()) == (0, False)

    # when
    with pytest.raises(ProgrammeError) as refused:
        group_delete(group=group, actor=OPERATOR)

    # then: the allocation log still says which group the place was in
    assert refused.value.code == "protected"
    assert list(programme.log_entries.filter(group=group).values_list("decision", flat=True)) == [
        "allocated", "withdrawn"]


def test_rolling_over_copies_groups_and_form_to_next_month_and_favours_current_participants(alpha):
    # given
    opens = dt.datetime(2026, 11, 15, 9, 0, tzinfo=BUDAPEST)
    programme = make_programme(slug="swimming-dec", period_start=dt.date(2026, 12, 1),
                               period_end=dt.date(2026, 12, 31), signup_opens_at=timezone.now() - dt.timedelta(days=1),
                               returning_priority_enabled=True, min_group_size=3)
    group_create(tenant=alpha, programme=programme, actor=OPERATOR, capacity=8, weekday=0, start_time=dt.time(17),
                 name_en="Mondays")
    programme.form_fields.create(key="level", field_type="text", label_en="Level")
    participant = one(alpha, programme)
    Programme.objects.filter(pk=programme.pk).update(signup_opens_at=opens,
                                                     signup_closes_at=opens + dt.timedelta(days=10))

    # when
    january = programme_roll_over(tenant=alpha, programme=fresh(programme), actor=OPERATOR,
                                  names={"en": "Swimming, January"})

    # then
    assert (january.slug, january.name_en, january.name_hu) == ("swimming-dec-2027-01", "Swimming, January",
                                                               programme.name_hu)
    assert (january.period_start, january.period_end) == (dt.date(2027, 1, 1), dt.date(2027, 1, 31))
    assert january.signup_opens_at.astimezone(BUDAPEST) == dt.datetime(2026, 12, 15, 9, 0, tzinfo=BUDAPEST)
    assert (january.is_published, january.previous_programme_id, january.min_group_size) == (False, programme.pk, 3)
    (copied,) = january.groups.all()
    assert (copied.name_en, copied.capacity, copied.sessions.count()) == ("Mondays", 8, 4)
    assert list(january.form_fields.values_list("key", flat=True)) == ["level"]

    # when: the current participant signs up again
    Programme.objects.filter(pk=january.pk).update(is_published=True, signup_opens_at=timezone.now(),
                                                   signup_closes_at=timezone.now() + dt.timedelta(days=1))
    again = one(alpha, fresh(january), who=_details(participant))

    # then
    assert (again.is_returning, again.priority) == (True, 1)
    assert SignUp.objects.filter(client=participant.client).count() == 2


def _details(signup):
    from booking_core.services.bookings import ClientDetails

    return ClientDetails(name=signup.client.name, email=signup.client.email)
