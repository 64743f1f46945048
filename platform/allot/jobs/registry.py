"""Per-tenant periodic jobs, registered by the apps that own them.

An app registers each of its jobs from its own code (its AppConfig.ready) with a stable name and a function
taking no arguments that runs in the current tenant's schema and returns how many items it processed. The
platform runs a registered job in a tenant when the due-work index (allot.jobs.due) says it has something to
do there, and records each run that did something (or failed) under the job's name. A job registers with it
`next_due(now)`: the earliest time after `now` it has work in the current tenant (or earlier, for work left
over), or None; the platform stores it after every run. A job registered without one runs every minute in every
active tenant, as all jobs once did. The platform knows jobs only through this registry: plumbing imports no app.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

TenantJob = Callable[..., int | None]
NextDue = Callable[[dt.datetime], dt.datetime | None]
_tenant_jobs: dict[str, TenantJob] = {}
_next_due: dict[str, NextDue] = {}


def tenant_job_register(name: str, function: TenantJob, *, next_due: NextDue | None = None) -> None:
    """Run `function(now=...)` in a tenant when it is due there (every minute without `next_due`), recorded as
    `name` (registering it again is a no-op)."""
    registered = _tenant_jobs.get(name)
    if registered is not None and registered is not function:
        raise ValueError(f"another function is already registered as the tenant job {name!r}")
    _tenant_jobs[name] = function
    if next_due is not None:
        _next_due[name] = next_due


def tenant_job_next_due(name: str) -> NextDue | None:
    """How `name` finds its next due time in the current tenant, or None when it runs every minute."""
    return _next_due.get(name)


def tenant_jobs() -> dict[str, TenantJob]:
    """Every registered per-tenant job by name, in the order they were registered."""
    return dict(_tenant_jobs)


def tenant_job(name: str) -> TenantJob:
    try:
        return _tenant_jobs[name]
    except KeyError:
        raise ValueError(f"unknown tenant job {name!r}") from None
