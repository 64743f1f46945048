"""What the scheduler runs, and how often. It only enqueues; the shared worker pool does the work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every_seconds: float
    enqueue: Callable[[], None]


def _send_public(actor_path: str) -> Callable[[], None]:
    def enqueue() -> None:
        import importlib

        module_name, _dot, actor_name = actor_path.rpartition(".")
        actor = getattr(importlib.import_module(module_name), actor_name)
        actor.send_with_options(tenant_schema="public")

    return enqueue


def periodic_jobs() -> list[PeriodicJob]:

    return [
        PeriodicJob("outbox.relay", 5, _send_public("allot.outbox.tasks.outbox_relay_pass")),
        PeriodicJob("tenants.fan_out.minutely", 60, _send_public("allot.jobs.tasks.fan_out_minutely")),
        PeriodicJob("maintenance.prune", 3600, _send_public("allot.jobs.tasks.prune_history")),
        # Deletes organisations closed longer than the grace period, expired export files (tenants.leaving).
        PeriodicJob("tenants.leaving", 3600, _send_public("tenants.leaving.tasks.leaving_maintenance")),
        PeriodicJob("jobs.due_work_sweep", settings.ALLOT_DUE_WORK_SWEEP_SECONDS,
                    _send_public("allot.jobs.tasks.due_work_sweep")),
        # The warm pool of ready tenant schemas (tenants.pool): also enqueued after every claim.
        PeriodicJob("tenants.pool.refill", settings.ALLOT_TENANT_POOL_REFILL_SECONDS,
                    _send_public("tenants.tasks.pool_refill_job")),
    ]
