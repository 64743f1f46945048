"""The scheduler's periodic work with many mostly idle tenants: it should grow with the due work, not the tenants.

TENANTS organisations (light copies of the template schema, tests/support/light_schemas.py: tenant rows plus
every tenant table, no foreign keys; django-tenants' clone_schema takes seconds per schema at this count), of
which DUE have a reminder due in every measured minute (MINUTES bookings each, one reminder moment a minute
apart); the idle ones have work only days ahead (a due-work row in the future). With the clock fixed
(time_machine), each measured minute runs the real fan-out (allot.jobs.tasks.fan_out_minutely) and then every
message it sent, in this process, as a worker would (run_tenant_job in the tenant's schema).

    messages_per_minute   the fan-out's own message plus what it sent (target: <= 3 per due tenant + a constant)
    worker_ms_per_minute  fan-out plus every run it caused, in ms of this process
    job_rows_per_minute   job-run rows plus SchedulerMinute rows written per minute
    idle_*                the same for a minute in which nothing is due
    before_*              the old way (every job in every tenant every minute, a job-run row each), from
                          timing the three jobs in BEFORE_SAMPLE idle tenants, times TENANTS
"""

from __future__ import annotations

import datetime as dt
import os
import time

from tests.bench.harness import bench_environment, report

TENANTS = int(os.environ.get("BENCH_SCHEDULER_TENANTS", 500))
DUE = int(os.environ.get("BENCH_SCHEDULER_DUE", 10))
MINUTES = int(os.environ.get("BENCH_SCHEDULER_MINUTES", 5))
BEFORE_SAMPLE = int(os.environ.get("BENCH_SCHEDULER_BEFORE_SAMPLE", 20))
NOW = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)


def _scene():
    """The tenants, the due ones' bookings, the idle ones' future due rows. Returns (tenants, due tenants)."""
    from django_tenants.utils import tenant_context

    from allot.jobs.models import DueWork
    from booking_core.acting import Actor
    from booking_core.services.bookings import booking_create_group
    from tenants.models import Tenant
    from tests.factories import client_details, make_service, make_session
    from tests.support.light_schemas import light_tenants_create

    tenants = light_tenants_create([f"t_sched_{index:04d}" for index in range(TENANTS)])
    due, idle = tenants[:DUE], tenants[DUE:]
    Tenant.objects.filter(pk__in=[tenant.pk for tenant in due]).update(reminder_offsets_minutes=[60],
                                                                       attendance_request_enabled=False)
    due = list(Tenant.objects.filter(pk__in=[tenant.pk for tenant in due]).order_by("schema_name"))
    for tenant in due:
        with tenant_context(tenant):
            service = make_service()
            for minute in range(1, MINUTES + 1):
                session = make_session(service, starts_at=NOW + dt.timedelta(minutes=60 + minute))
                booking_create_group(tenant=tenant, session=session, seats=1, client=client_details(),
                                     actor=Actor.system("bench"))
    tenants = list(Tenant.objects.filter(schema_name__startswith="t_sched_").order_by("schema_name"))
    DueWork.objects.bulk_create([DueWork(tenant_schema=tenant.schema_name, job="bookings.reminders",
                                         due_at=NOW + dt.timedelta(days=2), updated_at=NOW) for tenant in idle])
    return tenants, due


def _minute(tenants_by_schema, sent) -> tuple[int, float]:
    """One minute of the scheduler and the worker pool; returns (messages, worker ms)."""
    from django_tenants.utils import tenant_context

    from allot.jobs import tasks

    sent.clear()
    started = time.perf_counter()
    tasks.fan_out_minutely.fn()
    for schema, job in list(sent):
        with tenant_context(tenants_by_schema[schema]):
            tasks.run_tenant_job.fn(job)
    return 1 + len(sent), (time.perf_counter() - started) * 1000


def _rows() -> int:
    from allot.jobs.models import JobRun, SchedulerMinute

    return JobRun.objects.count() + SchedulerMinute.objects.count()


def _before_ms_per_tenant(idle) -> float:
    """The old way in one idle tenant: every registered job, each recorded (a row written, then finished)."""
    from django_tenants.utils import tenant_context

    from allot.jobs.registry import tenant_jobs
    from allot.jobs.runs import recorded_run

    sample = idle[:BEFORE_SAMPLE]
    started = time.perf_counter()
    for tenant in sample:
        with tenant_context(tenant):
            for name, function in tenant_jobs().items():
                with recorded_run(name) as run:
                    run.items_processed = function(now=NOW) or 0
    return (time.perf_counter() - started) * 1000 / len(sample)


def main() -> None:
    with bench_environment("scheduler"):
        import time_machine

        from allot.jobs import tasks
        from allot.jobs.models import JobRun
        from allot.outbox.models import OutboxMessage

        with time_machine.travel(NOW, tick=False) as traveller:
            started = time.monotonic()
            tenants, due = _scene()
            setup_seconds = time.monotonic() - started
            tenants_by_schema = {tenant.schema_name: tenant for tenant in tenants}
            sent = []
            tasks.run_tenant_job.send_with_options = (
                lambda args, tenant_schema: sent.append((tenant_schema, args[0])))

            rows_before = _rows()
            messages, worker_ms = 0, 0.0
            for minute in range(1, MINUTES + 1):
                traveller.move_to(NOW + dt.timedelta(minutes=minute))
                count, ms = _minute(tenants_by_schema, sent)
                assert count == 1 + DUE, (minute, sent)
                messages, worker_ms = messages + count, worker_ms + ms
            rows = _rows() - rows_before
            reminders = OutboxMessage.objects.filter(event_type="booking.reminder").count()
            assert reminders == DUE * MINUTES, reminders

            idle_minutes = 3
            rows_before = _rows()
            idle_messages, idle_ms = 0, 0.0
            for minute in range(MINUTES + 1, MINUTES + 1 + idle_minutes):
                traveller.move_to(NOW + dt.timedelta(minutes=minute))
                count, ms = _minute(tenants_by_schema, sent)
                idle_messages, idle_ms = idle_messages + count, idle_ms + ms
            idle_rows = _rows() - rows_before

            JobRun.objects.all().delete()
            before_ms = _before_ms_per_tenant(tenants[DUE:])

        report(
            "scheduler",
            tenants=TENANTS,
            due=DUE,
            messages_per_minute=messages / MINUTES,
            worker_ms_per_minute=worker_ms / MINUTES,
            job_rows_per_minute=rows / MINUTES,
            idle_messages_per_minute=idle_messages / idle_minutes,
            idle_worker_ms_per_minute=idle_ms / idle_minutes,
            idle_job_rows_per_minute=idle_rows / idle_minutes,
            before_messages_per_minute=1 + 3 * TENANTS,
            before_worker_ms_per_minute=before_ms * TENANTS,
            before_ms_per_idle_tenant=before_ms,
            before_job_rows_per_minute=1 + 3 * TENANTS,
            minutes=MINUTES,
            setup_seconds=setup_seconds,
        )


if __name__ == "__main__":
    main()
