"""`allot migrate` for many tenants: skip the schemas already at the latest migration, migrate the others in
parallel worker processes, report progress and a summary, and carry on past a tenant whose migration fails.

django-tenants' `migrate_schemas` loads the whole migration graph and plans for every schema, even when there is
nothing to apply (hundreds of milliseconds per tenant). Here the migrations the code has are computed once, every
schema's `django_migrations` rows are compared with them in one query, and `migrate_schemas` runs only for the
schemas that lack something.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader

# A UNION ALL over this many schemas per query; a few thousand tenants take a few round trips.
_SCHEMAS_PER_QUERY = 500


@dataclass
class TenantOutcome:
    schema_name: str
    ok: bool
    seconds: float
    error: str = ""
    output: str = ""


@dataclass
class MigrateSummary:
    total: int = 0
    up_to_date: list[str] = field(default_factory=list)
    migrated: list[str] = field(default_factory=list)
    failed: list[TenantOutcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    def line(self) -> str:
        text = (f"migrate: {self.total} tenant schemas: {len(self.up_to_date)} already up to date, "
                f"{len(self.migrated)} migrated, {len(self.failed)} failed in {self.seconds:.1f} s")
        return text


def code_migrations() -> set[tuple[str, str]]:
    """Every (app, name) migration the code has, from one load of the migration graph."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return set(loader.graph.nodes)


def _quote(schema_name: str) -> str:
    return connection.ops.quote_name(schema_name)


def schemas_needing_migration(schema_names: Iterable[str], expected: set[tuple[str, str]] | None = None) -> set[str]:
    """The schemas among `schema_names` that lack some migration of the code (or have no migration table, or do
    not exist): read in one query per few hundred schemas, on one connection."""
    schema_names = list(schema_names)
    if not schema_names:
        return set()
    expected = code_migrations() if expected is None else expected
    keys = sorted(f"{app}.{name}" for app, name in expected)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid "
            "WHERE c.relname = 'django_migrations' AND c.relkind = 'r' AND n.nspname = ANY(%s)",
            [schema_names],
        )
        with_table = {row[0] for row in cursor.fetchall()}
        needing = {name for name in schema_names if name not in with_table}
        checkable = [name for name in schema_names if name in with_table]
        for start in range(0, len(checkable), _SCHEMAS_PER_QUERY):
            chunk = checkable[start:start + _SCHEMAS_PER_QUERY]
            parts = [
                f"SELECT %s::text, count(DISTINCT m.app || '.' || m.name) FROM {_quote(name)}.django_migrations m "
                f"JOIN expected e ON e.key = m.app || '.' || m.name"
                for name in chunk
            ]
            sql = "WITH expected AS (SELECT unnest(%s::text[]) AS key) " + " UNION ALL ".join(parts)
            cursor.execute(sql, [keys, *chunk])
            for schema_name, applied in cursor.fetchall():
                if applied < len(keys):
                    needing.add(schema_name)
    return needing


def migrate_tenant_schema(schema_name: str, verbosity: int = 1) -> TenantOutcome:
    """Run `migrate_schemas` for one tenant schema; a failure is returned, not raised."""
    from django.core.management import call_command

    started = time.monotonic()
    output = io.StringIO()
    try:
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            call_command("migrate_schemas", tenant=True, schema_name=schema_name, interactive=False,
                         verbosity=verbosity, executor="standard", stdout=output, stderr=output)
    except Exception as error:  # noqa: BLE001 - every failure is reported, the other tenants carry on
        with contextlib.suppress(Exception):
            connection.close()
        message = f"{type(error).__name__}: {error}".strip().splitlines()[0]
        return TenantOutcome(schema_name, False, time.monotonic() - started, message, output.getvalue())
    finally:
        with contextlib.suppress(Exception):
            connection.set_schema_to_public()
    return TenantOutcome(schema_name, True, time.monotonic() - started, output=output.getvalue())


def run_tenant_migrations(
    schema_names: list[str],
    *,
    workers: int | None = None,
    verbosity: int = 1,
    out=None,
    migrate_one: Callable[[str, int], TenantOutcome] | None = None,
) -> MigrateSummary:
    """Migrate the given tenant schemas that need it, `workers` at a time, printing progress to `out`."""
    out = sys.stdout if out is None else out
    workers = max(1, workers or os.cpu_count() or 1)
    migrate_one = migrate_one or migrate_tenant_schema
    started = time.monotonic()
    summary = MigrateSummary(total=len(schema_names))
    needing = schemas_needing_migration(schema_names)
    todo = [name for name in schema_names if name in needing]
    summary.up_to_date = [name for name in schema_names if name not in needing]
    show = verbosity >= 1
    count = len(todo)

    def say(text: str) -> None:
        if show:
            print(text, file=out, flush=True)

    say(f"migrate: {len(schema_names)} tenant schemas, {len(summary.up_to_date)} already up to date, "
        f"{len(todo)} to migrate with {min(workers, max(1, len(todo)))} worker(s)")
    done = 0

    def record(outcome: TenantOutcome) -> None:
        nonlocal done
        done += 1
        if outcome.ok:
            summary.migrated.append(outcome.schema_name)
            state = f"ok in {outcome.seconds * 1000:.0f} ms"
        else:
            summary.failed.append(outcome)
            state = f"FAILED: {outcome.error}"
        say(f"migrate: [{done}/{count}] {outcome.schema_name} {state} (failures so far: {len(summary.failed)})")
        if verbosity >= 2 and outcome.output:
            say(outcome.output.rstrip())

    # The template goes first and alone: new tenants are cloned from it.
    if settings.TENANT_BASE_SCHEMA in todo:
        todo.remove(settings.TENANT_BASE_SCHEMA)
        todo.insert(0, settings.TENANT_BASE_SCHEMA)
        say(f"migrate: [1/{count}] migrating {settings.TENANT_BASE_SCHEMA} (the template) first...")
        record(migrate_one(todo.pop(0), verbosity))
    if workers == 1 or len(todo) <= 1:
        for name in todo:
            say(f"migrate: [{done + 1}/{count}] migrating {name}...")
            record(migrate_one(name, verbosity))
    else:
        connections.close_all()  # forked workers open connections of their own; none may be inherited
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=context) as pool:
            futures = {pool.submit(migrate_one, name, verbosity): name for name in todo}
            for future in as_completed(futures):
                name = futures[future]
                try:
                    outcome = future.result()
                except Exception as error:  # noqa: BLE001 - a crashed worker fails its tenant only
                    outcome = TenantOutcome(name, False, 0.0, f"{type(error).__name__}: {error}")
                record(outcome)
    summary.seconds = time.monotonic() - started
    say(summary.line())
    for outcome in summary.failed:
        say(f"migrate: FAILED {outcome.schema_name}: {outcome.error}")
    return summary


def tenant_schema_names() -> list[str]:
    """Every tenant schema to migrate, the template first (new tenants are cloned from it)."""
    from tenants.models import Tenant

    names = list(
        Tenant.objects.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME).order_by("pk").values_list("schema_name",
                                                                                                  flat=True)
    )
    if settings.TENANT_BASE_SCHEMA in names:
        names.remove(settings.TENANT_BASE_SCHEMA)
        names.insert(0, settings.TENANT_BASE_SCHEMA)
    return names
