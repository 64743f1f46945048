"""`allot migrate` over many tenants: up-to-date schemas are skipped without running migrate for them, the others
are migrated in parallel with progress and a summary, and a tenant whose migration fails is reported while the
others are migrated; the exit code says so."""

import io
import subprocess
import sys

import pytest
from django.db import connection

from tenants.models import Tenant
from tenants.schema_migrations import (
    TenantOutcome,
    code_migrations,
    run_tenant_migrations,
    schemas_needing_migration,
    tenant_schema_names,
)
from tenants.services import tenant_create
from tests.conftest import CHECKOUT_DIR, child_environment


def _execute(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


def _applied(schema_name: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{schema_name}".django_migrations')
        return set(cursor.fetchall())


@pytest.mark.django_db
def test_a_no_op_migrate_skips_every_up_to_date_tenant_without_running_migrate_for_it(world):
    # given: the session's tenants and the template, all migrated
    names = tenant_schema_names()
    assert names[0] == "tenant_template", "the template is migrated first"
    assert {"t_alpha", "t_beta"} <= set(names)
    calls = []

    def spy(schema_name, verbosity):
        calls.append(schema_name)
        return TenantOutcome(schema_name, True, 0.0)

    out = io.StringIO()
    # when
    summary = run_tenant_migrations(names, workers=1, out=out, migrate_one=spy)
    # then
    assert calls == []
    assert summary.ok
    assert sorted(summary.up_to_date) == sorted(names)
    assert summary.migrated == []
    assert f"{len(names)} tenant schemas, {len(names)} already up to date, 0 to migrate" in out.getvalue()
    assert f"{len(names)} already up to date, 0 migrated, 0 failed" in out.getvalue()


@pytest.mark.django_db
def test_a_schema_lacking_a_migration_missing_its_table_or_missing_altogether_needs_migrating(world):
    # given: every migration the code has is recorded in alpha; beta lacks one
    expected = code_migrations()
    assert _applied("t_alpha") >= expected
    _execute("DELETE FROM t_beta.django_migrations WHERE app = 'sessions'")
    _execute("CREATE SCHEMA t_bare")
    # when
    needing = schemas_needing_migration(["t_alpha", "t_beta", "t_bare", "t_nowhere"], expected)
    # then
    assert needing == {"t_beta", "t_bare", "t_nowhere"}


def test_a_failing_tenant_is_reported_the_others_are_migrated_and_the_exit_code_says_so(committed_db, user):
    # given: "good" lacks a migration that applies cleanly (sessions: recorded only, no tables in tenant
    # schemas); "broken" has lost its booking_core history, so re-running 0001 meets the tables it already has
    good = tenant_create(slug="good-swim", display_name="Good", owner=user("outsider"))
    broken = tenant_create(slug="broken-swim", display_name="Broken", owner=user("outsider"))
    _execute(f"DELETE FROM {good.schema_name}.django_migrations WHERE app = 'sessions'")
    _execute(f"DELETE FROM {broken.schema_name}.django_migrations WHERE app = 'booking_core'")
    connection.close()
    # when: the real command, two worker processes
    result = subprocess.run(
        [sys.executable, "-m", "allot.cli", "migrate", "--workers", "2"],
        env=child_environment(), cwd=CHECKOUT_DIR, capture_output=True, text=True, timeout=300,
    )
    # then
    output = result.stdout
    assert result.returncode == 1, output + result.stderr
    total = Tenant.objects.exclude(schema_name="public").count()
    assert f"{total} tenant schemas, {total - 2} already up to date, 2 to migrate with 2 worker(s)" in output
    assert f"{good.schema_name} ok" in output
    assert f"{broken.schema_name} FAILED" in output
    assert "failures so far: 1" in output
    assert "[2/2]" in output
    assert f"{total - 2} already up to date, 1 migrated, 1 failed" in output
    assert f"migrate: FAILED {broken.schema_name}: " in output
    assert _applied(good.schema_name) >= code_migrations()
    # and: a second run only retries the broken one
    again = subprocess.run(
        [sys.executable, "-m", "allot.cli", "migrate", "--workers", "2"],
        env=child_environment(), cwd=CHECKOUT_DIR, capture_output=True, text=True, timeout=300,
    )
    assert again.returncode == 1
    assert f"{total - 1} already up to date, 1 to migrate" in again.stdout


def test_migrate_exits_zero_when_every_tenant_is_up_to_date(committed_db):
    # when
    result = subprocess.run(
        [sys.executable, "-m", "allot.cli", "migrate", "--workers", "2"],
        env=child_environment(), cwd=CHECKOUT_DIR, capture_output=True, text=True, timeout=300,
    )
    # then
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 migrated, 0 failed" in result.stdout
