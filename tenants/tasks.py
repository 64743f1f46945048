"""The tenants app's actors, run by the shared worker pool (allot.workers.entry loads every app's `tasks`
module): leaving the platform's export builder and hourly pass, and the warm pool's refill."""

from __future__ import annotations

from allot.jobs.runs import recorded_run
from allot.workers.broker import actor
from tenants.leaving.tasks import data_export_build_task, leaving_maintenance

__all__ = ["data_export_build_task", "leaving_maintenance", "pool_refill_job"]

POOL_REFILL_JOB = "tenants.pool.refill"


@actor(queue_name="bulk", priority=10, max_retries=3, time_limit=30 * 60 * 1000)
def pool_refill_job() -> None:
    """Keep ALLOT_TENANT_POOL_SIZE ready tenant schemas (tenants.pool.services.pool_refill); idempotent, so the
    scheduled run and the runs enqueued after claims may overlap. A run that cloned or dropped nothing is counted
    in the minute's summary, not recorded as a job run."""
    from tenants.pool.services import pool_refill

    with recorded_run(POOL_REFILL_JOB, record_idle=False, count_idle=True) as run:
        refilled = pool_refill()
        run.items_processed = refilled.created + refilled.dropped
