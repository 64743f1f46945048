"""The warm pool: tenant schemas cloned from the template ahead of time, so provisioning only claims one.

Cloning the template takes longer with every table the schema gains (and with every schema already in the
database: django-tenants' clone walks the catalog). A sign-up that claims a ready schema instead only renames it
(ALTER SCHEMA ... RENAME, a catalog update) and writes its public rows, whatever the size of the schema.

- `pool_claim` (inside the provisioning transaction) locks one ready row of the current template version with
  FOR UPDATE SKIP LOCKED, so two concurrent claims never get the same schema and never wait for each other. The
  schema is renamed to the tenant's `t_<slug>` (the one naming rule every tenant follows, whether it was cloned
  or claimed) by Tenant.create_schema, and the row is deleted in the same transaction: a rolled-back sign-up
  leaves the schema in the pool.
- `pool_refill` (the `tenants.pool.refill` job, scheduled every ALLOT_TENANT_POOL_REFILL_SECONDS and enqueued
  after every claim, after commit) drops schemas cloned from an older template and clones new ones until
  ALLOT_TENANT_POOL_SIZE are ready. Each clone runs in its own transaction under the provisioning lock.
- `pool_rebuild` (after `allot migrate`) marks and drops every stale schema, then enqueues a refill.
- The pool's schemas have no tenant row, so migrations never touch them: a schema is only ever handed out with
  the template version it was cloned from equal to the template's current one.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from tenants.models import PoolSchema, Tenant
from tenants.template_schema import provisioning_lock, schema_drop, template_schema_clone, template_version

logger = logging.getLogger(__name__)

POOL_SCHEMA_PREFIX = "pool_"


def pool_size_target() -> int:
    return max(0, settings.ALLOT_TENANT_POOL_SIZE)


def pool_claim() -> PoolSchema | None:
    """Lock and take one ready pool schema cloned from the current template, or None (pool empty, off, or only
    stale schemas left). Call inside the provisioning transaction; the caller renames the schema (Tenant's
    create_schema with `_pool_schema_name`) and `pool_claimed` deletes the row in that same transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("pool_claim must run inside the provisioning transaction")
    if pool_size_target() == 0:
        return None
    version = template_version()
    if not version:
        return None
    return (PoolSchema.objects.select_for_update(skip_locked=True)
            .filter(state=PoolSchema.State.READY, template_version=version).order_by("pk").first())


def pool_claimed(pool_schema: PoolSchema) -> None:
    """The claimed schema is a tenant's now: forget its pool row, and refill the pool after commit."""
    PoolSchema.objects.filter(pk=pool_schema.pk).delete()
    pool_refill_enqueue_after_commit()


def pool_refill_enqueue_after_commit() -> None:
    if pool_size_target() > 0:
        transaction.on_commit(pool_refill_enqueue)


def pool_refill_enqueue() -> None:
    """Ask the worker pool for a refill; the scheduled refill makes up for a message that could not be sent."""
    try:
        from tenants.tasks import pool_refill_job

        pool_refill_job.send_with_options(tenant_schema=settings.PUBLIC_SCHEMA_NAME)
    except Exception:  # noqa: BLE001 - a sign-up never fails for want of a refill
        logger.exception("could not enqueue the tenant pool refill; the scheduled refill will do it")


@dataclass
class PoolRefill:
    dropped: int = 0
    created: int = 0
    ready: int = 0


def pool_mark_stale() -> int:
    """Mark every ready schema cloned from another template version stale (never handed out again)."""
    version = template_version()
    return (PoolSchema.objects.filter(state=PoolSchema.State.READY).exclude(template_version=version)
            .update(state=PoolSchema.State.STALE))


def pool_drop_stale() -> int:
    """Drop the stale schemas one transaction each (skipping one a claim holds), returning how many."""
    pool_mark_stale()
    dropped = 0
    for pk in list(PoolSchema.objects.filter(state=PoolSchema.State.STALE).values_list("pk", flat=True)):
        with transaction.atomic():
            # Dropping a schema drops its foreign keys to public tables: take the provisioning lock like a clone.
            provisioning_lock()
            row = PoolSchema.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if row is None:
                continue
            schema_drop(row.schema_name)
            row.delete()
            dropped += 1
    return dropped


def _pool_schema_new_name() -> str:
    return f"{POOL_SCHEMA_PREFIX}{secrets.token_hex(8)}"


def pool_refill(*, size: int | None = None) -> PoolRefill:
    """Drop stale schemas, then clone from the template until `size` (ALLOT_TENANT_POOL_SIZE) are ready."""
    size = pool_size_target() if size is None else size
    result = PoolRefill()
    if not Tenant.template_ready():
        return result
    result.dropped = pool_drop_stale()
    while True:
        with transaction.atomic():
            # One clone at a time with sign-ups that clone (tenants.template_schema.provisioning_lock); counted
            # under the lock, so two refills running at once never overfill the pool.
            provisioning_lock()
            version = template_version()
            ready = PoolSchema.objects.filter(state=PoolSchema.State.READY, template_version=version).count()
            result.ready = ready
            if ready >= size:
                break
            name = _pool_schema_new_name()
            template_schema_clone(name)
            PoolSchema.objects.create(schema_name=name, template_version=version)
            result.created += 1
            result.ready = ready + 1
    if result.created or result.dropped:
        logger.info("tenant pool: %d dropped, %d cloned, %d ready", result.dropped, result.created, result.ready)
    return result


def pool_rebuild() -> int:
    """After `allot migrate`: the schemas cloned from the old template are marked stale at once (never handed
    out) and dropped; the refill job clones fresh ones from the migrated template. Returns how many were
    dropped."""
    dropped = pool_drop_stale()
    if pool_size_target() > 0:
        pool_refill_enqueue()
    return dropped
