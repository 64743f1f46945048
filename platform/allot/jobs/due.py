"""The due-work index (allot.jobs.models.DueWork): writing it, and storing a job's next due time after a run.

Three writers, one rule each, so that a due time is never lost:

- a service that creates due work calls `due_work_note` inside its own transaction: an upsert that keeps the
  earlier of the stored and the new time and bumps `version` (rolled back with the service's work);
- a run of the job, after its work, recomputes the next due time from the tenant's data and stores it only if
  `version` is still what it read before recomputing (`due_work_store`); a service write committed meanwhile
  changed it, so the store retries instead of overwriting an earlier time with a later one. A run that fails
  stores nothing: its row stays due;
- the safety-net sweep (and the one-time backfill) only ever lowers times (`due_work_refresh`), so it can run
  beside anything else.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import connection
from django.utils import timezone

from allot.jobs.models import DueWork
from allot.jobs.registry import tenant_job_next_due, tenant_jobs

logger = logging.getLogger(__name__)

STORE_ATTEMPTS = 3


def _table() -> str:
    quote = connection.ops.quote_name
    return f"{quote(settings.PUBLIC_SCHEMA_NAME)}.{quote(DueWork._meta.db_table)}"


def _upsert_earliest(tenant_schema: str, job: str, due_at: dt.datetime) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {_table()} AS row (tenant_schema, job, due_at, version, updated_at)
                VALUES (%s, %s, %s, 1, now())
                ON CONFLICT (tenant_schema, job) DO UPDATE
                SET due_at = LEAST(row.due_at, EXCLUDED.due_at), version = row.version + 1, updated_at = now()""",
            [tenant_schema, job, due_at],
        )


def due_work_note(job: str, due_at: dt.datetime | None) -> None:
    """The current tenant has work for `job` at `due_at`: lower its due time to that, in the caller's transaction.

    Call it as late as possible in the service's transaction: the upsert holds the (tenant, job) row until the
    commit, so concurrent services of one tenant queue for that long.
    """
    if due_at is None:
        return
    schema = connection.schema_name
    if schema == settings.PUBLIC_SCHEMA_NAME:
        raise RuntimeError(f"due work for {job!r} noted outside a tenant")
    _upsert_earliest(schema, job, due_at)


def due_work_note_everything(tenant_schema: str, now: dt.datetime | None = None) -> None:
    """Every job with a due-time function is due now in this tenant (its settings changed): each run recomputes."""
    now = now or timezone.now()
    for job in tenant_jobs():
        if tenant_job_next_due(job) is not None:
            _upsert_earliest(tenant_schema, job, now)


def _version(tenant_schema: str, job: str) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version FROM {_table()} WHERE tenant_schema = %s AND job = %s", [tenant_schema, job])
        found = cursor.fetchone()
    return None if found is None else found[0]


def due_work_store(job: str, now: dt.datetime) -> dt.datetime | None:
    """After a successful run of `job` at `now` in the current tenant: store its next due time (or drop its row).

    Compare-and-set: the version is read before the tenant's data, so a service that committed meanwhile has
    either been seen by the recomputation or has changed the version (then we read and recompute again). If the
    rows keep changing, the row is left as it is: still due, the next minute's run tries again.
    Returns what was stored.
    """
    next_due = tenant_job_next_due(job)
    if next_due is None:
        return None
    schema = connection.schema_name
    for _attempt in range(STORE_ATTEMPTS):
        version = _version(schema, job)
        due_at = next_due(now)
        with connection.cursor() as cursor:
            if version is None:
                if due_at is not None:
                    _upsert_earliest(schema, job, due_at)
                return due_at
            if due_at is None:
                cursor.execute(f"DELETE FROM {_table()} WHERE tenant_schema = %s AND job = %s AND version = %s",
                               [schema, job, version])
            else:
                cursor.execute(
                    f"""UPDATE {_table()} SET due_at = %s, version = version + 1, updated_at = now()
                        WHERE tenant_schema = %s AND job = %s AND version = %s""",
                    [due_at, schema, job, version],
                )
            if cursor.rowcount == 1:
                return due_at
    logger.info("due time of %s in %s kept changing; left due for the next run", job, schema)
    return None


def due_work_refresh(now: dt.datetime, *, lookback: dt.timedelta) -> int:
    """Lower the current tenant's due times to what its data says (work written behind the services' backs:
    admin edits, data migrations). Never raises a time, so it is safe beside runs and services.
    Returns how many jobs have work due."""
    schema = connection.schema_name
    found = 0
    for job in tenant_jobs():
        next_due = tenant_job_next_due(job)
        if next_due is None:
            continue
        due_at = next_due(now - lookback)
        if due_at is not None:
            _upsert_earliest(schema, job, due_at)
            found += 1
    return found
