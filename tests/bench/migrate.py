"""A no-op `allot migrate` over many tenants: every schema already at the latest migration.

TENANTS tenant schemas are cloned from the migrated template (tenant rows made in bulk, no domains or owners),
then the real command runs as a subprocess, timed from start to exit (Django start-up and the public schema's
own migrate check included). per_tenant_ms = noop_seconds / tenants. skip_check_ms is the in-process time to
find that no tenant needs migrating (one load of the migration graph, one query over every schema).
stock_per_tenant_ms is django-tenants' own `migrate_schemas` for one up-to-date tenant, over STOCK_SAMPLE
tenants, for comparison. Target: per_tenant_ms <= 30.

Making the tenants is most of the run: django-tenants' clone_schema took 0.4 s per schema with 10 tenants and
grew to over 10 s per schema near 200 on a loaded 2-core machine (it walks the catalog, which grows with every
schema), so 200 tenants take 20+ minutes to set up; BENCH_MIGRATE_TENANTS=50 is a quicker check.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from tests.bench.harness import CHECKOUT_DIR, bench_environment, child_environment, report

TENANTS = int(os.environ.get("BENCH_MIGRATE_TENANTS", 200))
STOCK_SAMPLE = int(os.environ.get("BENCH_MIGRATE_STOCK_SAMPLE", 5))


def _make_tenants(count: int) -> tuple[list[str], float]:
    from tenants.models import Tenant
    from tenants.template_schema import template_schema_clone

    names = [f"t_bench_{index:04d}" for index in range(count)]
    Tenant.objects.bulk_create(
        [Tenant(schema_name=name, slug=name.replace("_", "-")[2:], display_name=name) for name in names]
    )
    started = time.monotonic()
    for name in names:
        template_schema_clone(name)
    return names, time.monotonic() - started


def main() -> None:
    with bench_environment("migrate") as env:
        from django.core.management import call_command
        from django.db import connection

        from tenants.schema_migrations import run_tenant_migrations, tenant_schema_names

        names, clone_seconds = _make_tenants(TENANTS)
        connection.set_schema_to_public()

        started = time.monotonic()
        summary = run_tenant_migrations(tenant_schema_names(), verbosity=0)
        skip_check_ms = (time.monotonic() - started) * 1000
        assert summary.ok and not summary.migrated, summary.line()

        stock_ms = []
        for name in names[:STOCK_SAMPLE]:
            started = time.monotonic()
            call_command("migrate_schemas", tenant=True, schema_name=name, interactive=False, verbosity=0,
                         executor="standard")
            stock_ms.append((time.monotonic() - started) * 1000)
        connection.set_schema_to_public()
        connection.close()

        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "allot.cli", "migrate"],
            env=child_environment(env), cwd=CHECKOUT_DIR, capture_output=True, text=True,
        )
        noop_seconds = time.monotonic() - started
        if result.returncode:
            print(result.stdout, result.stderr, file=sys.stderr)
            raise SystemExit("bench migrate: allot migrate failed")
        if "0 migrated, 0 failed" not in result.stdout:
            print(result.stdout, file=sys.stderr)
            raise SystemExit("bench migrate: the no-op migrate migrated something")
        report(
            "migrate",
            tenants=TENANTS,
            noop_seconds=noop_seconds,
            per_tenant_ms=noop_seconds * 1000 / TENANTS,
            skip_check_ms=skip_check_ms,
            stock_per_tenant_ms=sum(stock_ms) / len(stock_ms) if stock_ms else 0.0,
            workers=os.cpu_count() or 1,
            clone_seconds=clone_seconds,
        )


if __name__ == "__main__":
    main()
