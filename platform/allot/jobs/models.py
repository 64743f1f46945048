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
