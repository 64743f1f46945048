"""Periodic work that runs per tenant: fanned out from one platform-level message to one per tenant."""

from __future__ import annotations

import datetime as dt
import importlib

from django.utils import timezone
from django_tenants.utils import tenant_context

from allot.jobs.models import JobRun
from allot.jobs.runs import recorded_run
from allot.workers.broker import actor

# Per-tenant jobs run every minute: "<module>.<function>" taking no arguments, run in the tenant's schema,
# returning how many items they processed. Apps add theirs here.
TENANT_JOBS = [
    "booking_core.messages.reminders.reminders_dispatch",
    "booking_core.waitlist.services.offers.offers_expire_due",
    "booking_core.programmes.jobs.programmes_tick",
]
HISTORY_DAYS = 14


@actor(queue_name="transactional", priority=5, max_retries=0)
def fan_out_minutely() -> None:
    from tenants.models import Tenant

    with recorded_run("tenants.fan_out.minutely") as run:
        tenants = list(Tenant.objects.customers().filter(status=Tenant.Status.ACTIVE))
        for tenant in tenants:
            for job in TENANT_JOBS:
                with tenant_context(tenant):
                    run_tenant_job.send(job)
        run.items_processed = len(tenants)


@actor(queue_name="transactional", priority=5, max_retries=3)
def run_tenant_job(job: str) -> None:
    """Run one per-tenant job in the schema the message was sent from (see the tenant middleware)."""
    if job not in TENANT_JOBS:
        raise ValueError(f"unknown tenant job {job!r}")
    module_name, _dot, function_name = job.rpartition(".")
    function = getattr(importlib.import_module(module_name), function_name)
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
    with tenant_context(tenant):
        module_name, _dot, function_name = job.rpartition(".")
        return getattr(importlib.import_module(module_name), function_name)() or 0
