"""Reads of the job runs: one organisation's, for its back office."""

from __future__ import annotations

from django.db.models import QuerySet

from allot.jobs.models import JobRun


def job_runs_for_tenant(*, schema_name: str, failed_only: bool = False) -> QuerySet[JobRun]:
    """The runs of jobs made for this organisation (never platform-wide runs or another tenant's), newest first."""
    runs = JobRun.objects.filter(tenant_schema=schema_name)
    if failed_only:
        runs = runs.filter(status=JobRun.Status.FAILED)
    return runs.order_by("-started_at", "-id")
