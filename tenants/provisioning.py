"""Schemas behind tenants: the public row, the migrated template new tenants are cloned from, migrations.

Running every tenant migration inside a sign-up request takes tens of seconds, so new schemas are
cloned from `settings.TENANT_BASE_SCHEMA` (tenants.template_schema, which Tenant.create_schema calls).
The template has a tenant row of its own (no domain), which makes `migrate_schemas` migrate it on every
deploy like any tenant; without that row it would go stale and clones would come out silently broken.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.db import connection

from tenants.models import Domain, Tenant


def public_tenant_ensure():
    """The public schema's own tenant row, answering on the root domain."""
    tenant, _created = Tenant.objects.get_or_create(
        schema_name=settings.PUBLIC_SCHEMA_NAME,
        defaults={"slug": "public", "display_name": "Allot"},
    )
    Domain.objects.get_or_create(
        domain=settings.ALLOT_ROOT_DOMAIN,
        defaults={"tenant": tenant, "is_primary": not tenant.domains.filter(is_primary=True).exists()},
    )
    return tenant


def template_tenant_ensure():
    """The template schema's tenant row; creating it creates and fully migrates the schema once."""
    tenant = Tenant.objects.filter(schema_name=settings.TENANT_BASE_SCHEMA).first()
    if tenant is None:
        tenant = Tenant(schema_name=settings.TENANT_BASE_SCHEMA, slug="template", display_name="Template")
        tenant.save(verbosity=0)
    return tenant


def migrate_everything(*, workers: int | None = None, verbosity: int = 1, out=None):
    """Migrate the public schema, then the template and every tenant (skipping the schemas already at the latest
    migration, the others `workers` at a time): what a deploy runs. Returns the tenants' MigrateSummary; a tenant
    whose migration failed is in `summary.failed`, the others are migrated all the same."""
    from tenants.schema_migrations import run_tenant_migrations, tenant_schema_names

    connection.set_schema_to_public()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
    public_tenant_ensure()
    template_tenant_ensure()
    summary = run_tenant_migrations(tenant_schema_names(), workers=workers, verbosity=verbosity, out=out)
    pool_rebuild_after_migrate(verbosity=verbosity, out=out)
    return summary


def pool_rebuild_after_migrate(*, verbosity: int = 1, out=None) -> int:
    """The warm pool's schemas were cloned from the template as it was before this migrate: drop those (a claim
    would refuse them anyway) and have the worker pool clone fresh ones (tenants.pool)."""
    import sys

    from tenants.pool.services import pool_rebuild

    connection.set_schema_to_public()
    dropped = pool_rebuild()
    if verbosity >= 1:
        print(f"migrate: tenant pool: {dropped} schema(s) cloned from an older template dropped, refill enqueued",
              file=out or sys.stdout, flush=True)
    return dropped
