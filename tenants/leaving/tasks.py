"""The worker pool's side of leaving: building an export (in the organisation's schema) and the hourly pass
that deletes organisations past their grace period, removes expired export files and re-sends lost exports."""

from __future__ import annotations

from allot.jobs.runs import recorded_run
from allot.workers.broker import actor

EXPORT_TIME_LIMIT_MS = 3 * 60 * 60 * 1000


@actor(queue_name="bulk", priority=20, max_retries=0, time_limit=EXPORT_TIME_LIMIT_MS)
def data_export_build_task(export_id: int) -> None:
    from tenants.leaving.services import data_export_build

    with recorded_run("tenants.data_export") as run:
        export = data_export_build(export_id=export_id)
        run.items_processed = (export.rows_exported or 0) if export is not None else 0


@actor(queue_name="bulk", priority=20, max_retries=0, time_limit=EXPORT_TIME_LIMIT_MS)
def leaving_maintenance() -> None:
    from tenants.leaving.services import (
        closed_organisations_delete,
        data_exports_expired_remove,
        data_exports_stale_resend,
    )

    with recorded_run("tenants.leaving") as run:
        run.items_processed = (data_exports_stale_resend() + data_exports_expired_remove()
                               + closed_organisations_delete())
