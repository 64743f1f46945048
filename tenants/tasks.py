"""The tenants app's jobs, run by the shared worker pool (loaded by allot.workers.entry)."""

from __future__ import annotations

from allot.jobs.runs import recorded_run
from allot.workers.broker import actor

POOL_REFILL_JOB = "tenants.pool.refill"


@actor(queue_name="bulk", priority=10, max_retries=3, time_limit=30 * 60 * 1000)
def pool_refill_job() -> None:
    """Keep ALLOT_TENANT_POOL_SIZE ready tenant schemas (tenants.pool.services.pool_refill); idempotent, so the
    scheduled run and the runs enqueued after claims may overlap."""
    from tenants.pool.services import pool_refill

    with recorded_run(POOL_REFILL_JOB) as run:
        run.items_processed = pool_refill().created
