"""Moving the clock across many tenants' due times at once: every reminder is written exactly once, at the
minute its moment comes (or at the first minute after the scheduler was away), and only tenants with a moment in
that minute are woken."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django_tenants.utils import tenant_context

from allot.jobs import tasks
from allot.jobs.models import DueWork, JobRun, SchedulerMinute
from allot.outbox.models import OutboxMessage
from booking_core.messages.reminders import moment_before
from booking_core.services.bookings import booking_create_group
from tenants.models import Tenant
from tests.factories import OPERATOR, client_details, make_service, make_session
from tests.support.light_schemas import light_tenants_create

TENANTS = 50
OFFSETS = [60, 15]
NOW = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)
ZONES = ["Europe/Budapest", "America/New_York", "Asia/Kolkata"]


@pytest.fixture
def many_tenants(committed_db):
    """TENANTS organisations (light copies of the template schema, tests/support/light_schemas.py), each with two
    bookings starting 62 to 250 minutes from NOW; reminders 60 and 15 minutes before, in three time zones.
    Returns {schema: (tenant, [(reminder moment, booking start)])}."""
    scene = {}
    with time_machine.travel(NOW, tick=False):
        tenants = light_tenants_create([f"t_clock_{index:02d}" for index in range(TENANTS)],
                                       reminder_offsets_minutes=OFFSETS, attendance_request_enabled=False)
        for index, tenant in enumerate(tenants):
            Tenant.objects.filter(pk=tenant.pk).update(timezone=ZONES[index % 3])
            tenant.refresh_from_db()
            moments = []
            with tenant_context(tenant):
                service = make_service()
                for minutes in (62 + (index * 37) % 90, 75 + (index * 13) % 175):
                    session = make_session(service, starts_at=NOW + dt.timedelta(minutes=minutes))
                    booking_create_group(tenant=tenant, session=session, seats=1, client=client_details(),
                                         actor=OPERATOR)
                    moments += [(moment_before(session.starts_at, offset, tenant.zone), session.starts_at)
                                for offset in OFFSETS]
            scene[tenant.schema_name] = (tenant, moments)
    return scene


def test_every_reminder_of_many_tenants_is_written_exactly_once_as_the_clock_moves(many_tenants, monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.run_tenant_job, "send_with_options",
                        lambda args, tenant_schema: sent.append((tenant_schema, args[0])))
    # the clock steps a minute at a time, except once, when the scheduler is away for 25 minutes
    instants = [NOW + dt.timedelta(minutes=minute) for minute in range(1, 100)]
    instants += [NOW + dt.timedelta(minutes=minute) for minute in range(125, 260)]

    def handled_at(moment):
        return next(now for now in instants if now >= moment)

    moments = {(name, moment, starts_at) for name, (_tenant, times) in many_tenants.items()
               for moment, starts_at in times}
    # a reminder is written at the first minute its moment has come, if its booking has not started by then
    wanted = {(name, moment) for name, moment, starts_at in moments if starts_at > handled_at(moment)}
    late = {(name, moment) for name, moment, starts_at in moments if moment < handled_at(moment) < starts_at}
    assert len(wanted) > 150 and late <= wanted and len(late) > 10, "the scene covers the jump"
    # given the index holds each tenant's first moment (written by the bookings)
    assert DueWork.objects.filter(tenant_schema__startswith="t_clock_").count() == TENANTS
    previous = NOW
    with time_machine.travel(NOW, tick=False) as traveller:
        for now in instants:
            traveller.move_to(now)
            sent.clear()
            tasks.fan_out_minutely.fn()
            # then exactly the tenants with a moment since the last minute are woken, for their reminders only
            expected = sorted({name for name, moment, _starts in moments if previous < moment <= now})
            assert sorted(schema for schema, _job in sent) == expected, now
            assert {job for _schema, job in sent} <= {"bookings.reminders"}
            for schema, job in sent:
                with tenant_context(many_tenants[schema][0]):
                    tasks.run_tenant_job.fn(job)
            # and every reminder whose moment has come is written, none early
            written = set(OutboxMessage.objects.filter(event_type="booking.reminder")
                          .values_list("tenant_schema", "next_attempt_at"))
            assert written == {(name, moment) for name, moment in wanted if moment <= now}, now
            previous = now
    # every reminder exactly once
    assert OutboxMessage.objects.filter(event_type="booking.reminder").count() == len(wanted)
    # one job-run row per run that wrote something, one summary per minute, and nothing left due
    assert JobRun.objects.filter(status="succeeded").count() == len({(name, handled_at(moment))
                                                                     for name, moment in wanted})
    assert not JobRun.objects.exclude(status="succeeded").exists()
    assert SchedulerMinute.objects.count() == len(instants)
    assert not DueWork.objects.filter(tenant_schema__startswith="t_clock_").exists()
    assert connection.schema_name == "public"
