"""Reads on the warm pool of tenant schemas (the console's health page)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from tenants.models import PoolSchema
from tenants.pool.services import pool_size_target
from tenants.template_schema import template_version


@dataclass(frozen=True)
class PoolStatus:
    ready: int  # cloned from the current template: what the next sign-ups claim
    stale: int  # cloned from an older template: never handed out, dropped by the next refill
    target: int  # ALLOT_TENANT_POOL_SIZE


def pool_status() -> PoolStatus:
    version = template_version()
    counts = PoolSchema.objects.aggregate(
        ready=Count("pk", filter=Q(state=PoolSchema.State.READY, template_version=version)),
        total=Count("pk"),
    )
    return PoolStatus(ready=counts["ready"], stale=counts["total"] - counts["ready"], target=pool_size_target())
