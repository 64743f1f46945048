"""Periodic work that runs per tenant: fanned out from one platform-level message to one per tenant."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tenants.utils import tenant_context

from allot.jobs.models import JobRun
from allot.jobs.registry import tenant_job, tenant_jobs
from allot.jobs.runs import recorded_run
from allot.workers.broker import actor

HISTORY_DAYS = 14


@actor(queue_name="transactional", priority=5, max_retries=0)
def fan_out_minutely() -> None:
    from tenants.models import Tenant

    with recorded_run("tenants.fan_out.minutely") as run:
        tenants = list(Tenant.objects.customers().filter(status__in=Tenant.SERVING_STATUSES))
        jobs = list(tenant_jobs())  # registered by the apps (allot.jobs.registry)
        for tenant in tenants:
            for job in jobs:
                with tenant_context(tenant):
                    run_tenant_job.send(job)
        run.items_processed = len(tenants)


@actor(queue_name="transactional", priority=5, max_retries=3)
def run_tenant_job(job: str) -> None:
    """Run one per-tenant job in the schema the message was sent from (see the tenant middleware)."""
    function = tenant_job(job)
    with recorded_run(job) as run:
        run.items_processed = function() or 0


@actor(queue_name="bulk", priority=20, max_retries=0)
def prune_history() -> None:
    """Keep two weeks of job runs and of delivered or cancelled messages."""
    from allot.outbox.models import OutboxMessage

    with recorded_run("maintenance.prune") as run:
        cutoff = timezone.now() - dt.timedelta(days=HISTORY_DAYS)
        runs, _detail = JobRun.objects.filter(started_at__lt=cutoff).delete()
        messages, _detail = OutboxMessage.objects.filter(
            created_at__lt=cutoff, status__in=[OutboxMessage.Status.SENT, OutboxMessage.Status.CANCELLED]
        ).delete()
        run.items_processed = runs + messages


def run_tenant_job_now(job: str, tenant) -> int:
    """Run a per-tenant job synchronously (tests, the CLI)."""
    function = tenant_job(job)
    with tenant_context(tenant):
        return function() or 0
