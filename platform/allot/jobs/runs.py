"""Recording job runs (and, with Sentry configured, reporting them as cron check-ins)."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging

from django.conf import settings
from django.db import connection
from django.utils import timezone

from allot.jobs.models import JobRun, SchedulerMinute

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def recorded_run(job_name: str, *, tenant_schema: str | None = None, record_idle: bool = True,
                 count_idle: bool = False):
    """Record a run of `job_name` around the block; set `run.items_processed` inside it.

    The row is written before the work starts and finished afterwards, each in its own short transaction,
    so a crash leaves a visible `running` row rather than nothing. Errors are recorded and re-raised.
    With `record_idle=False` (the per-tenant jobs, thousands a minute; the platform's frequent passes) the row
    is written once, afterwards, and only if the run processed something or failed: a run that found nothing
    leaves no row. The scheduler's per-minute summary (SchedulerMinute) is the trace of those: it counts the
    tenants it let sleep, and with `count_idle=True` (the outbox relay every 5 s, the pool refill every minute)
    this run adds one to its job's count of idle runs that minute (`scheduler_minute_count_idle`).
    """
    schema = tenant_schema if tenant_schema is not None else connection.schema_name
    scope = "" if schema == settings.PUBLIC_SCHEMA_NAME else schema
    run = JobRun(job_name=job_name, tenant_schema=scope, started_at=timezone.now())
    if record_idle:
        run.save(force_insert=True)
    check_in = _sentry_check_in(job_name, "in_progress")
    try:
        yield run
    except Exception as error:
        run.status = JobRun.Status.FAILED
        run.error = f"{type(error).__name__}: {error}"[:4000]
        raise
    else:
        run.status = JobRun.Status.SUCCEEDED
    finally:
        run.finished_at = timezone.now()
        if record_idle:
            run.save(update_fields=["status", "error", "items_processed", "finished_at"])
        elif run.items_processed or run.status == JobRun.Status.FAILED:
            run.save(force_insert=True)
        elif count_idle:
            try:
                scheduler_minute_count_idle(job_name, run.finished_at)
            except Exception:  # bookkeeping: a lost count must not fail the pass that found nothing
                logger.exception("could not count an idle run of %s", job_name)
        _sentry_check_in(job_name, "ok" if run.status == JobRun.Status.SUCCEEDED else "error", check_in)


def scheduler_minute_count_idle(job_name: str, at: dt.datetime) -> None:
    """One more run of `job_name` that found nothing, in the SchedulerMinute row of `at`'s minute (an upsert: the
    row may not exist yet, and the scheduler's fan-out and other workers write the same row)."""
    quote = connection.ops.quote_name
    table = f"{quote(settings.PUBLIC_SCHEMA_NAME)}.{quote(SchedulerMinute._meta.db_table)}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} AS row (minute, tenants_serving, tenants_woken, tenants_skipped, messages_sent,
                                             duration_ms, idle_runs)
                VALUES (%s, 0, 0, 0, 0, 0, jsonb_build_object(%s::text, 1))
                ON CONFLICT (minute) DO UPDATE
                SET idle_runs = row.idle_runs || jsonb_build_object(
                    %s::text, COALESCE((row.idle_runs ->> %s::text)::integer, 0) + 1)""",
            [at.replace(second=0, microsecond=0), job_name, job_name, job_name],
        )


def _sentry_check_in(job_name: str, status: str, check_in_id: str | None = None) -> str | None:
    if not settings.SENTRY_DSN:
        return None
    from sentry_sdk.crons import capture_checkin

    return capture_checkin(monitor_slug=job_name.replace(".", "-"), check_in_id=check_in_id, status=status)
