"""The migrated template schema new tenants are cloned from (`settings.TENANT_BASE_SCHEMA`).

Schemas only, no models: Tenant.create_schema clones from here, and tenants.provisioning (which keeps the
template's tenant row and migrates everything) builds on the models, so neither imports the other back.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django_tenants.clone import CloneSchema
from django_tenants.utils import schema_exists

logger = logging.getLogger(__name__)


def template_schema_exists() -> bool:
    return schema_exists(settings.TENANT_BASE_SCHEMA)


def template_schema_clone(schema_name: str) -> None:
    """A new schema `schema_name` with the template's tables and migration history."""
    started = time.monotonic()
    CloneSchema().clone_schema(settings.TENANT_BASE_SCHEMA, schema_name, clone_mode="DATA")
    logger.info("cloned %s from the template in %.0f ms", schema_name, (time.monotonic() - started) * 1000)


def template_version() -> str:
    """The template's version: a fingerprint of the migrations applied to it (an md5 over its django_migrations
    names), "" when it has none. A schema cloned from it carries the same rows, so a pool schema whose recorded
    version differs from this one was cloned from an older template and must not be handed out. One indexed read
    of a few hundred short rows: well under a millisecond, whatever the number of tables."""
    from django.db import connection

    if not template_schema_exists():
        return ""
    table = f"{connection.ops.quote_name(settings.TENANT_BASE_SCHEMA)}.django_migrations"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(md5(string_agg(app || '.' || name, ',' ORDER BY app, name)), '') FROM {table}")
        return cursor.fetchone()[0]


def schema_rename(old_name: str, new_name: str) -> None:
    """ALTER SCHEMA ... RENAME TO ...: a catalog update, as cheap for a hundred tables as for one (defaults,
    sequences and constraints refer to objects by oid, not by the schema's name)."""
    from django.db import connection

    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER SCHEMA {quote(old_name)} RENAME TO {quote(new_name)}")


def schema_drop(schema_name: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {connection.ops.quote_name(schema_name)} CASCADE")


# Cloning adds foreign keys to public tables (accounts_user, ...), which takes a SHARE ROW EXCLUSIVE lock on them
# until commit. Two sign-ups that each inserted their owner (ROW EXCLUSIVE on accounts_user) and then cloned would
# wait for each other: a deadlock. Provisioning transactions take this lock first, before writing anything.
_PROVISIONING_LOCK_ID = 0x616C6C6F74_01  # "allot" + 1


def provisioning_lock() -> None:
    """Serialise provisioning (the schema clone and what goes with it) until the current transaction ends."""
    from django.db import connection

    if not connection.in_atomic_block:
        raise RuntimeError("provisioning_lock must run inside the provisioning transaction")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PROVISIONING_LOCK_ID])
