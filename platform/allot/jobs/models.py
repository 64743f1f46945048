"""Every run of a scheduled job, platform-wide or for one tenant (public schema)."""

from __future__ import annotations

from django.db import models


class JobRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "running"
        SUCCEEDED = "succeeded", "succeeded"
        FAILED = "failed", "failed"

    job_name = models.CharField(max_length=100)
    tenant_schema = models.CharField(max_length=63, blank=True, help_text="Empty for platform-wide runs.")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RUNNING)
    items_processed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["tenant_schema", "-started_at"], name="jobrun_tenant_recent"),
            models.Index(fields=["job_name", "-started_at"], name="jobrun_job_recent"),
        ]

    def __str__(self):
        scope = self.tenant_schema or "platform"
        return f"{self.job_name} ({scope}) {self.started_at:%Y-%m-%d %H:%M:%S} {self.status}"

    @property
    def duration_ms(self) -> int | None:
        if self.finished_at is None:
            return None
        return int((self.finished_at - self.started_at).total_seconds() * 1000)


class DueWork(models.Model):
    """The due-work index: per tenant and per-tenant job, the next time that job has something to do.

    The services that create due work (a booking's reminder moments, an offer's deadline, a sign-up window's
    close) lower `due_at` in their own transaction (allot.jobs.due.due_work_note: a LEAST upsert that also
    bumps `version`); the scheduler wakes only the (tenant, job) pairs whose `due_at` has come, and a run
    stores the next due time recomputed from the tenant's data, compare-and-set on `version`, so a time
    written meanwhile is never lost. No row: nothing is due.
    """

    tenant_schema = models.CharField(max_length=63)
    job = models.CharField(max_length=100)
    due_at = models.DateTimeField()
    version = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant_schema", "job"], name="duework_one_per_tenant_job")]
        indexes = [models.Index(fields=["due_at"], name="duework_due")]

    def __str__(self):
        return f"{self.job} ({self.tenant_schema}) due {self.due_at:%Y-%m-%d %H:%M:%S}"


class SchedulerMinute(models.Model):
    """One row per minute of the scheduler's fan-out: how many tenants it woke and how many it let sleep.

    Runs that find nothing write no job-run row; this row is the trace that the minute happened, and counts the
    platform's frequent passes that found nothing (`idle_runs`, e.g. {"outbox.relay": 12, "tenants.pool.refill":
    1}; allot.jobs.runs.scheduler_minute_count_idle).
    """

    minute = models.DateTimeField(unique=True)
    tenants_serving = models.PositiveIntegerField(default=0)
    tenants_woken = models.PositiveIntegerField(default=0)
    tenants_skipped = models.PositiveIntegerField(default=0)
    messages_sent = models.PositiveIntegerField(default=0)
    duration_ms = models.PositiveIntegerField(default=0)
    idle_runs = models.JSONField(default=dict, blank=True,
                                 help_text="Runs per job this minute that found nothing (and so left no job-run row).")

    class Meta:
        ordering = ["-minute"]

    def __str__(self):
        return f"{self.minute:%Y-%m-%d %H:%M} woke {self.tenants_woken}, skipped {self.tenants_skipped}"
