"""Deleting a closed organisation after the grace period, each step committed as in production (the deletion
runs in a transaction of its own): the schema and every public row of the organisation go, nothing of any
other organisation does. And the export built by a real worker process, as the worker pool builds it."""

from __future__ import annotations

import datetime as dt
import io
import json
import time
import zipfile

import pytest
import time_machine
from django.db import connection
from django_tenants.utils import schema_exists, tenant_context

from allot.jobs.models import JobRun
from allot.outbox.models import OutboxMessage
from booking_core.acting import Actor
from booking_core.models import Booking
from booking_core.services.bookings import booking_create_group
from tenants.leaving.services import EXPORT_READY
from tenants.leaving.storage import private_storage
from tenants.leaving.tasks import data_export_build_task
from tenants.models import DataExport, Domain, Membership, PlatformAuditEntry, Tenant
from tenants.slugs import slug_problem
from tests.factories import client_details, make_session
from tests.tenants.leaving_support import NOW, close, hourly_pass


def _public_counts(tenant: Tenant) -> dict:
    return {
        "domains": Domain.objects.filter(tenant=tenant).count(),
        "memberships": Membership.objects.filter(tenant=tenant).count(),
        "outbox": OutboxMessage.objects.filter(tenant_schema=tenant.schema_name).count(),
        "job_runs": JobRun.objects.filter(tenant_schema=tenant.schema_name).count(),
        "exports": DataExport.objects.filter(tenant=tenant).count(),
    }


def test_deletion_after_the_grace_period_removes_the_schema_and_its_public_rows_and_nothing_else(
        committed_db, leaver, tenant_alpha, tenant_beta, user, settings):
    tenant, owner, client = leaver
    with time_machine.travel(NOW, tick=False) as clock:
        _delete_after_grace_period(tenant, owner, client, tenant_alpha, tenant_beta, user, settings, clock)


def _delete_after_grace_period(tenant, owner, client, tenant_alpha, tenant_beta, user, settings, clock):
    settings.ALLOT_EXPORT_LINK_DAYS = 60  # the export's file is still there when the organisation is deleted
    # given: the leaver has an export and is closed; Alpha has rows of every public kind too
    client.post("/office/organisation/export/")
    with tenant_context(tenant):
        data_export_build_task.fn(DataExport.objects.get(tenant=tenant).pk)
    export_file = DataExport.objects.get(tenant=tenant).file_name
    close(client, tenant)
    alpha_export = DataExport.objects.create(tenant=tenant_alpha)
    with tenant_context(tenant_alpha):
        data_export_build_task.fn(alpha_export.pk)
        alpha_bookings = Booking.objects.count()
    leaver_counts = _public_counts(tenant)
    assert all(leaver_counts.values()), leaver_counts
    others_before = {other.slug: _public_counts(other) for other in (tenant_alpha, tenant_beta)}
    # when: the hourly pass runs a minute before the 30 days are up
    clock.move_to(NOW + dt.timedelta(days=30, minutes=-1))
    hourly_pass()
    # then: nothing is deleted yet
    assert schema_exists(tenant.schema_name)
    assert _public_counts(tenant) == leaver_counts
    # when: and a minute after
    clock.move_to(NOW + dt.timedelta(days=30, minutes=1))
    hourly_pass()
    # then: the schema, the organisation, its public rows, its export file and its owner's account are gone
    assert not schema_exists(tenant.schema_name)
    assert not Tenant.objects.filter(pk=tenant.pk).exists()
    assert _public_counts(tenant) == {name: 0 for name in leaver_counts}
    assert not private_storage().exists(export_file)
    assert not type(owner).objects.filter(pk=owner.pk).exists()
    # and the audit log keeps what happened, by name
    deleted = PlatformAuditEntry.objects.get(tenant_id=tenant.pk, action="tenant.deleted")
    assert deleted.changes["slug"] == ["gamma-leaves", None]
    assert PlatformAuditEntry.objects.filter(tenant_id=tenant.pk, action="tenant.closed").exists()
    # and nothing of the other organisations changed
    connection.set_schema_to_public()
    assert {other.slug: _public_counts(other) for other in (tenant_alpha, tenant_beta)} == others_before
    assert schema_exists(tenant_alpha.schema_name) and schema_exists(tenant_beta.schema_name)
    with tenant_context(tenant_alpha):
        assert Booking.objects.count() == alpha_bookings
    assert user("alpha_owner").pk and private_storage().exists(DataExport.objects.get(pk=alpha_export.pk).file_name)
    # and the subdomain is free again
    assert slug_problem("gamma-leaves") is None
    # and the hourly pass recorded its run
    assert JobRun.objects.filter(job_name="tenants.leaving", status=JobRun.Status.SUCCEEDED).count() == 2


@pytest.mark.slow
def test_a_real_worker_builds_the_export_and_mails_its_link(committed_db, worker_process, tenant_alpha,
                                                           member_client, private_files):
    # given: a worker process, and a booking made just before
    worker_process(threads=1)
    with tenant_context(tenant_alpha):
        booking = booking_create_group(tenant=tenant_alpha, session=make_session(capacity=5), seats=1,
                                       client=client_details(name="Worker Proof", email="worker.proof@example.com"),
                                       actor=Actor.client("worker.proof@example.com"))
    owner = member_client(tenant_alpha, "alpha_owner")
    # when: the owner asks for the export
    assert owner.post("/office/organisation/export/").status_code == 302
    # then: the worker pool builds it and sends the email (the worker's mail backend keeps it in memory)
    export = DataExport.objects.get(tenant=tenant_alpha)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not OutboxMessage.objects.filter(
            event_type=EXPORT_READY, status=OutboxMessage.Status.SENT).exists():
        time.sleep(0.2)
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY, export.error
    assert OutboxMessage.objects.get(event_type=EXPORT_READY).status == OutboxMessage.Status.SENT
    assert JobRun.objects.get(job_name="tenants.data_export").status == JobRun.Status.SUCCEEDED
    # and the owner's download holds the booking
    response = owner.get(f"/office/organisation/exports/{export.token}/")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert booking.pk in [row["id"] for row in json.loads(archive.read("data/booking_core.booking.json"))]
