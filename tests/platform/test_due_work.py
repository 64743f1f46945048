"""The due-work index: services write when a tenant's job is next due (in their own transaction), the scheduler
wakes only the tenants whose work is due, a run stores the next due time without ever losing one."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from allot.jobs import registry, tasks
from allot.jobs.due import due_work_note, due_work_store
from allot.jobs.models import DueWork, JobRun, SchedulerMinute
from booking_core.messages.reminders import moment_before
from booking_core.models import Offer, Service
from booking_core.services.bookings import booking_cancel, booking_create_group, booking_create_individual
from tenants.models import Tenant
from tenants.services import tenant_update
from tests.factories import OPERATOR, client_details, make_service, make_session, make_staff
from tests.waitlist.helpers import fill, join

pytestmark = pytest.mark.django_db

# A fixed clock: Monday 7 December 2026, 08:00 UTC (09:00 in Budapest).
NOW = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def due(schema: str) -> dict[str, dt.datetime]:
    return dict(DueWork.objects.filter(tenant_schema=schema).values_list("job", "due_at"))


@pytest.fixture
def sent(monkeypatch):
    """The messages the scheduler sends, as (schema, job), instead of enqueueing them."""
    messages = []
    monkeypatch.setattr(tasks.run_tenant_job, "send_with_options",
                        lambda args, tenant_schema: messages.append((tenant_schema, args[0])))
    return messages


@pytest.fixture
def scratch_job(monkeypatch):
    """Register a job for this test only: `scratch_job(name, function, next_due)`."""
    def register(name, function, next_due):
        monkeypatch.setitem(registry._tenant_jobs, name, function)
        monkeypatch.setitem(registry._next_due, name, next_due)
    return register


# --- services write the due time in their own transaction ---------------------------------------------------


def test_a_booking_writes_its_first_reminder_moment_and_a_rollback_takes_it_back(tenant_alpha, in_tenant, clock):
    # given alpha's defaults: reminders 24 h and 2 h before, the attendance request 48 h before
    with in_tenant(tenant_alpha):
        session = make_session(make_service(), starts_at=NOW + dt.timedelta(days=5))
        # when a booking's transaction rolls back after the booking was made
        with pytest.raises(RuntimeError), transaction.atomic():
            booking_create_group(tenant=tenant_alpha, session=session, seats=1, client=client_details(),
                                 actor=OPERATOR)
            assert "bookings.reminders" in due("t_alpha")
            raise RuntimeError("the request failed after the booking")
        # then its due time went with it
        assert due("t_alpha") == {}
        # when the booking commits
        booking_create_group(tenant=tenant_alpha, session=session, seats=1, client=client_details(),
                             actor=OPERATOR)
    # then the reminders job is due at the booking's first moment: the attendance request two days before
    assert due("t_alpha") == {"bookings.reminders": moment_before(session.starts_at, 48 * 60, tenant_alpha.zone)}


def test_an_earlier_booking_lowers_the_due_time_and_a_later_one_leaves_it(tenant_alpha, in_tenant, clock):
    with in_tenant(tenant_alpha):
        service = make_service()
        later = make_session(service, starts_at=NOW + dt.timedelta(days=6))
        sooner = make_session(service, starts_at=NOW + dt.timedelta(days=4))
        booking_create_group(tenant=tenant_alpha, session=later, seats=1, client=client_details(), actor=OPERATOR)
        booking_create_group(tenant=tenant_alpha, session=sooner, seats=1, client=client_details(), actor=OPERATOR)
        booking_create_group(tenant=tenant_alpha, session=later, seats=1, client=client_details(), actor=OPERATOR)
    assert due("t_alpha")["bookings.reminders"] == sooner.starts_at - dt.timedelta(hours=48)


def test_a_waitlist_offer_writes_its_deadline(tenant_alpha, in_tenant, clock):
    with in_tenant(tenant_alpha):
        session = make_session(make_service(offer_validity_hours=12), capacity=2,
                               starts_at=NOW + dt.timedelta(days=3))
        bookings = fill(tenant_alpha, session, [1, 1])
        entry = join(tenant_alpha, session)
        # joining writes when the entry is over (its session starts)
        assert due("t_alpha")["waitlist.offers_expire"] == session.starts_at
        booking_cancel(tenant=tenant_alpha, booking=bookings[0], actor=OPERATOR, reason="Ill")
        offer = Offer.objects.get(entry=entry)
    assert offer.expires_at == NOW + dt.timedelta(hours=12)
    assert due("t_alpha")["waitlist.offers_expire"] == offer.expires_at


def test_a_programme_writes_when_its_sign_up_window_closes(tenant_alpha, in_tenant, clock):
    from booking_core.programmes.models import Programme
    from booking_core.programmes.services.programmes import programme_create

    closes = NOW + dt.timedelta(days=2, hours=3)
    with in_tenant(tenant_alpha):
        programme_create(tenant=tenant_alpha, actor=OPERATOR, slug="swim", name_en="Swim", name_hu="Úszás",
                         name_de="Schwimmen", period_start=dt.date(2027, 1, 1), period_end=dt.date(2027, 1, 31),
                         signup_opens_at=NOW, signup_closes_at=closes, strategy=Programme.Strategy.FAST_FILL,
                         allocation_mode=Programme.AllocationMode.IMMEDIATE, price_amount=1000,
                         price_currency="EUR", is_published=True)
    assert due("t_alpha") == {"programmes.tick": closes}


def test_changing_the_reminder_settings_makes_the_reminders_job_due_at_once(tenant_alpha, clock):
    tenant_update(tenant=tenant_alpha, reminder_offsets_minutes=[60])
    assert due("t_alpha") == {"bookings.reminders": NOW, "waitlist.offers_expire": NOW, "programmes.tick": NOW,
                              "billing.payment_holds_expire": NOW, "calendar.sync": NOW}


# --- the scheduler wakes only the due tenants ---------------------------------------------------------------


def test_the_scheduler_wakes_only_tenants_with_work_due_and_writes_one_summary(tenant_alpha, tenant_beta, in_tenant,
                                                                               clock, sent):
    # given alpha's reminders are due, its waitlist job only tomorrow, and beta has nothing due
    with in_tenant(tenant_alpha):
        due_work_note("bookings.reminders", NOW - dt.timedelta(minutes=1))
        due_work_note("waitlist.offers_expire", NOW + dt.timedelta(days=1))
    # when the minute's fan-out runs
    tasks.fan_out_minutely.fn()
    # then one message, to alpha's reminders; no job-run row; one summary row for the minute
    assert sent == [("t_alpha", "bookings.reminders")]
    assert not JobRun.objects.exists()
    minute = SchedulerMinute.objects.get()
    assert (minute.minute, minute.tenants_serving, minute.tenants_woken, minute.tenants_skipped,
            minute.messages_sent) == (NOW, 2, 1, 1, 1)


def test_a_suspended_tenant_is_not_woken_and_keeps_its_due_work(tenant_alpha, in_tenant, clock, sent):
    with in_tenant(tenant_alpha):
        due_work_note("bookings.reminders", NOW - dt.timedelta(minutes=1))
    Tenant.objects.filter(pk=tenant_alpha.pk).update(status=Tenant.Status.SUSPENDED)
    tasks.fan_out_minutely.fn()
    assert sent == []
    assert due("t_alpha") == {"bookings.reminders": NOW - dt.timedelta(minutes=1)}


# --- runs: no row when idle, the row and the due time kept on failure, compare-and-set ------------------------


def test_a_run_that_found_nothing_writes_no_row_and_drops_the_due_row(tenant_alpha, in_tenant, clock):
    with in_tenant(tenant_alpha):
        due_work_note("waitlist.offers_expire", NOW - dt.timedelta(minutes=1))
        tasks.run_tenant_job.fn("waitlist.offers_expire")
    assert not JobRun.objects.exists()
    assert due("t_alpha") == {}


def test_a_run_that_did_something_is_recorded_and_stores_the_next_due_time(tenant_alpha, in_tenant, clock,
                                                                          scratch_job):
    tomorrow = NOW + dt.timedelta(days=1)
    scratch_job("test.busy", lambda now: 3, lambda now: tomorrow)
    with in_tenant(tenant_alpha):
        due_work_note("test.busy", NOW)
        tasks.run_tenant_job.fn("test.busy")
    run = JobRun.objects.get()
    assert (run.job_name, run.tenant_schema, run.status, run.items_processed) == ("test.busy", "t_alpha",
                                                                                  "succeeded", 3)
    assert due("t_alpha") == {"test.busy": tomorrow}


def test_a_failed_run_keeps_its_job_run_row_and_its_due_row(tenant_alpha, in_tenant, clock, scratch_job):
    def fails(now):
        raise ValueError("the data was odd")

    scratch_job("test.fails", fails, lambda now: None)
    with in_tenant(tenant_alpha):
        due_work_note("test.fails", NOW - dt.timedelta(minutes=5))
        with pytest.raises(ValueError):
            tasks.run_tenant_job.fn("test.fails")
    run = JobRun.objects.get()
    assert (run.job_name, run.status, run.error) == ("test.fails", "failed", "ValueError: the data was odd")
    assert due("t_alpha") == {"test.fails": NOW - dt.timedelta(minutes=5)}


def test_an_earlier_time_written_during_the_recomputation_is_not_overwritten(tenant_alpha, in_tenant, clock,
                                                                            scratch_job):
    # given the tenant's data: work tomorrow; while the run recomputes, a service commits work in ten minutes
    data = [NOW + dt.timedelta(days=1)]
    soon = NOW + dt.timedelta(minutes=10)

    def next_due(now):
        stale = min(data)
        if soon not in data:  # the concurrent service: its data and its due time, committed together
            data.append(soon)
            due_work_note("test.raced", soon)
        return stale

    scratch_job("test.raced", lambda now: 0, next_due)
    with in_tenant(tenant_alpha):
        due_work_note("test.raced", NOW)
        # when the run stores its recomputed (stale) time
        due_work_store("test.raced", NOW)
    # then the compare-and-set noticed the change and recomputed: the earlier time stands
    assert due("t_alpha") == {"test.raced": soon}


def test_a_due_time_that_keeps_changing_is_left_due_rather_than_overwritten(tenant_alpha, in_tenant, clock,
                                                                           scratch_job):
    def next_due(now):
        due_work_note("test.busy_writers", NOW + dt.timedelta(minutes=1))
        return NOW + dt.timedelta(days=1)

    scratch_job("test.busy_writers", lambda now: 0, next_due)
    with in_tenant(tenant_alpha):
        due_work_note("test.busy_writers", NOW)
        assert due_work_store("test.busy_writers", NOW) is None
    assert due("t_alpha") == {"test.busy_writers": NOW}


def test_the_sweep_finds_work_written_behind_the_services_backs(tenant_alpha, in_tenant, clock):
    # given a booking written straight into the table (a data migration, say): no due row
    with in_tenant(tenant_alpha):
        service = make_service(Service.Kind.INDIVIDUAL)
        staff = make_staff(service)
        starts = NOW + dt.timedelta(days=3)
        booking = booking_create_individual(tenant=tenant_alpha, service=service, staff=staff, starts_at=starts,
                                            client=client_details(), actor=OPERATOR)
    DueWork.objects.all().delete()
    # when the sweep runs
    tasks.due_work_sweep.fn()
    # then the booking's first moment is due again
    assert due("t_alpha") == {"bookings.reminders": moment_before(booking.starts_at, 48 * 60, tenant_alpha.zone)}


@pytest.mark.parametrize(("index_filled", "migrated", "refreshed"), [
    (False, [], [None]),  # the deploy that adds the index fills it for every tenant (the backfill)
    (True, ["t_alpha"], [["t_alpha"]]),  # later deploys refresh the tenants whose schemas they migrated
    (True, [], []),  # and a no-op deploy touches no tenant
])
def test_allot_migrate_backfills_the_index_once_then_refreshes_migrated_tenants(monkeypatch, index_filled, migrated,
                                                                                refreshed):
    import argparse

    from allot import cli
    from tenants.schema_migrations import MigrateSummary

    calls = []
    monkeypatch.setattr(cli, "_migration_applied", lambda app, name: index_filled)
    monkeypatch.setattr("tenants.provisioning.migrate_everything",
                        lambda **kwargs: MigrateSummary(total=2, migrated=migrated))
    monkeypatch.setattr(tasks, "due_work_refresh_all", lambda schemas=None: calls.append(schemas) or 0)
    assert cli.command_migrate(argparse.Namespace(workers=1, verbosity=0)) == 0
    assert calls == refreshed


def test_the_backfill_fills_the_index_for_every_tenant_from_its_data(tenant_alpha, tenant_beta, in_tenant, clock):
    # given bookings in both tenants and an empty index (as before the deploy that adds it)
    starts = {}
    for tenant in (tenant_alpha, tenant_beta):
        with in_tenant(tenant):
            session = make_session(make_service(), starts_at=NOW + dt.timedelta(days=4))
            booking_create_group(tenant=tenant, session=session, seats=1, client=client_details(), actor=OPERATOR)
            starts[tenant.schema_name] = session.starts_at
    DueWork.objects.all().delete()
    # when the backfill runs
    assert tasks.due_work_refresh_all() == 2
    # then each tenant's reminders are due at its booking's first moment
    assert {schema: due(schema) for schema in starts} == {
        schema: {"bookings.reminders": starts_at - dt.timedelta(hours=48)} for schema, starts_at in starts.items()}

