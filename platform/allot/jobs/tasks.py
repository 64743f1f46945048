"""Periodic work that runs per tenant: fanned out from one platform-level message to one per tenant."""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.conf import settings
from django.utils import timezone
from django_tenants.utils import tenant_context

from allot.jobs.due import due_work_refresh, due_work_store
from allot.jobs.models import DueWork, JobRun, SchedulerMinute
from allot.jobs.registry import tenant_job, tenant_job_next_due, tenant_jobs
from allot.jobs.runs import recorded_run
from allot.workers.broker import actor

logger = logging.getLogger(__name__)

HISTORY_DAYS = 14
# The sweep looks back one sweep interval for work it may have missed, but no further than this.
SWEEP_LOOKBACK_LIMIT = dt.timedelta(hours=6)


@actor(queue_name="transactional", priority=5, max_retries=0)
def fan_out_minutely() -> None:
    """Wake the tenants that have work due: one message per (tenant, job) whose due time has come (allot.jobs.due),
    plus every minute, in every serving tenant, the jobs registered without a due-time function.

    Writes one SchedulerMinute row (how many tenants were woken and let sleep); a job-run row only if it fails.
    """
    from tenants.models import Tenant

    started = time.monotonic()
    now = timezone.now()
    with recorded_run("tenants.fan_out.minutely", record_idle=False):
        serving = Tenant.objects.customers().filter(status__in=Tenant.SERVING_STATUSES)
        jobs = tenant_jobs()  # registered by the apps (allot.jobs.registry)
        indexed = [job for job in jobs if tenant_job_next_due(job) is not None]
        every_minute = [job for job in jobs if tenant_job_next_due(job) is None]
        due = list(
            DueWork.objects.filter(due_at__lte=now, job__in=indexed,
                                   tenant_schema__in=serving.values("schema_name"))
            .order_by("due_at", "tenant_schema", "job").values_list("tenant_schema", "job")
        )
        schemas = list(serving.values_list("schema_name", flat=True)) if every_minute else []
        messages = due + [(schema, job) for schema in schemas for job in every_minute]
        for schema, job in messages:
            run_tenant_job.send_with_options(args=(job,), tenant_schema=schema)
        tenants_serving = len(schemas) if every_minute else serving.count()
        woken = len({schema for schema, _job in messages})
        summary = {
            "tenants_serving": tenants_serving, "tenants_woken": woken,
            "tenants_skipped": max(0, tenants_serving - woken), "messages_sent": len(messages),
            "duration_ms": int((time.monotonic() - started) * 1000),
        }
        # One row per minute, even when two schedulers overlapped for a moment during a takeover.
        SchedulerMinute.objects.update_or_create(minute=now.replace(second=0, microsecond=0), defaults=summary)


@actor(queue_name="transactional", priority=5, max_retries=3)
def run_tenant_job(job: str) -> None:
    """Run one per-tenant job in the schema the message was sent from (see the tenant middleware), then store
    when it is next due there. A run that found nothing leaves no job-run row; a failed one keeps its due row."""
    function = tenant_job(job)
    now = timezone.now()
    with recorded_run(job, record_idle=False) as run:
        if tenant_job_next_due(job) is None:
            run.items_processed = function() or 0
        else:
            run.items_processed = function(now=now) or 0
            due_work_store(job, now)


@actor(queue_name="bulk", priority=20, max_retries=0)
def due_work_sweep() -> None:
    """The safety net: recompute every serving tenant's due times from its data and lower the index to them, so
    work written outside the services (admin edits, data migrations, a restore) is found within one sweep."""
    with recorded_run("jobs.due_work_sweep") as run:
        run.items_processed = due_work_refresh_all()


def due_work_refresh_all(*, schemas: list[str] | None = None, lookback: dt.timedelta | None = None) -> int:
    """Lower every tenant's due times (or those of `schemas`) to what its data says: the sweep, and what
    `allot migrate` runs after a deploy (the one-time backfill, then the tenants whose schemas it migrated).
    Returns how many (tenant, job) pairs have work due."""
    from tenants.models import Tenant

    if lookback is None:
        lookback = min(dt.timedelta(seconds=settings.ALLOT_DUE_WORK_SWEEP_SECONDS), SWEEP_LOOKBACK_LIMIT)
    now = timezone.now()
    found = 0
    tenants = Tenant.objects.customers().order_by("schema_name")
    if schemas is not None:
        tenants = tenants.filter(schema_name__in=schemas)
    for tenant in tenants:
        try:
            with tenant_context(tenant):
                found += due_work_refresh(now, lookback=lookback)
        except Exception:  # one broken schema must not hide every other tenant's work
            logger.exception("could not refresh the due work of %s", tenant.schema_name)
    return found


@actor(queue_name="bulk", priority=20, max_retries=0)
def prune_history() -> None:
    """Keep two weeks of job runs, scheduler minutes and delivered or cancelled messages."""
    from allot.outbox.models import OutboxMessage

    with recorded_run("maintenance.prune") as run:
        cutoff = timezone.now() - dt.timedelta(days=HISTORY_DAYS)
        runs, _detail = JobRun.objects.filter(started_at__lt=cutoff).delete()
        minutes, _detail = SchedulerMinute.objects.filter(minute__lt=cutoff).delete()
        messages, _detail = OutboxMessage.objects.filter(
            created_at__lt=cutoff, status__in=[OutboxMessage.Status.SENT, OutboxMessage.Status.CANCELLED]
        ).delete()
        run.items_processed = runs + minutes + messages


def run_tenant_job_now(job: str, tenant, *, now: dt.datetime | None = None) -> int:
    """Run a per-tenant job synchronously (tests, the CLI), and store when it is next due."""
    function = tenant_job(job)
    with tenant_context(tenant):
        if tenant_job_next_due(job) is None:
            return function() or 0
        now = now or timezone.now()
        handled = function(now=now) or 0
        due_work_store(job, now)
        return handled
