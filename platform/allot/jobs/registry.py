"""Per-tenant periodic jobs, registered by the apps that own them.

An app registers each of its jobs from its own code (its AppConfig.ready) with a stable name and a function
taking no arguments that runs in the current tenant's schema and returns how many items it processed. The
platform runs every registered job once a minute in every active tenant (allot.jobs.tasks) and records each
run under the job's name. It knows jobs only through this registry: plumbing imports no app.
"""

from __future__ import annotations

from collections.abc import Callable

TenantJob = Callable[[], int | None]
_tenant_jobs: dict[str, TenantJob] = {}


def tenant_job_register(name: str, function: TenantJob) -> None:
    """Run `function` every minute in every active tenant, recorded as `name` (registering it again is a no-op)."""
    registered = _tenant_jobs.get(name)
    if registered is not None and registered is not function:
        raise ValueError(f"another function is already registered as the tenant job {name!r}")
    _tenant_jobs[name] = function


def tenant_jobs() -> dict[str, TenantJob]:
    """Every registered per-tenant job by name, in the order they were registered."""
    return dict(_tenant_jobs)


def tenant_job(name: str) -> TenantJob:
    try:
        return _tenant_jobs[name]
    except KeyError:
        raise ValueError(f"unknown tenant job {name!r}") from None
