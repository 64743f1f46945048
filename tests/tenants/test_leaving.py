"""Leaving the platform (tenants.leaving), through its surfaces: an owner exports the organisation's data from the
back office (the export actor builds the zip, the outbox mails the link, the owner downloads it), closes the
organisation (offline at once, subdomain kept), platform staff restore it from the console, and the hourly job
deletes it after the grace period with all of its rows and nothing of anybody else's."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django_tenants.utils import schema_exists, tenant_context

from allot.outbox import delivery
from allot.outbox.models import OutboxMessage
from booking_core.acting import Actor
from booking_core.services.bookings import booking_create_group
from tenants.leaving.services import EXPORT_READY, ORGANISATION_CLOSED
from tenants.leaving.tasks import data_export_build_task
from tenants.models import DataExport, PlatformAuditEntry, Tenant
from tenants.services import TenantError, tenant_create
from tenants.slugs import SlugProblem, slug_problem
from tests.factories import client_details, make_session
from tests.tenants.leaving_support import NOW, TEMPLATE_SOURCE, close, hourly_pass

pytestmark = pytest.mark.django_db



@pytest.fixture(autouse=True)
def frozen_clock(private_files):
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def outbox_mail():
    mail.outbox = []
    yield mail.outbox


def _deliver(event_type: str, tenant: Tenant, outbox_mail):
    row = OutboxMessage.objects.filter(event_type=event_type, tenant_schema=tenant.schema_name).latest("id")
    with tenant_context(tenant):
        assert delivery.deliver(row.pk) == "sent"
    return outbox_mail[-1]


# --- exporting ---------------------------------------------------------------------------------------------


def test_the_export_contains_a_booking_made_just_before_and_is_mailed_and_downloaded_by_the_owner(
        tenant_alpha, member_client, outbox_mail):
    # given: a booking made just now on Alpha's booking site
    with tenant_context(tenant_alpha):
        booking = booking_create_group(tenant=tenant_alpha, session=make_session(capacity=5), seats=2,
                                       client=client_details(name="Just Before", email="just.before@example.com"),
                                       actor=Actor.client("just.before@example.com"))
    owner = member_client(tenant_alpha, "alpha_owner")
    # when: the owner asks for an export, and the worker pool's actor builds it (synchronously here)
    response = owner.post("/office/organisation/export/")
    assert (response.status_code, response["Location"]) == (302, "/office/organisation/")
    export = DataExport.objects.get(tenant=tenant_alpha)
    assert export.status == DataExport.Status.PENDING
    with tenant_context(tenant_alpha):
        data_export_build_task.fn(export.pk)
    # then: it is ready, and the owner gets an email with the link
    export.refresh_from_db()
    assert (export.status, export.expires_at) == (DataExport.Status.READY, NOW + dt.timedelta(days=7))
    email = _deliver(EXPORT_READY, tenant_alpha, outbox_mail)
    assert email.to == ["alpha_owner@example.com"]
    [link] = re.findall(r"https?://\S+", email.body)
    path = f"/office/organisation/exports/{export.token}/"
    assert link.endswith(path) and "alpha." in link
    # and the link downloads a zip holding the booking in JSON and CSV, and the members without passwords
    response = owner.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    bookings = json.loads(archive.read("data/booking_core.booking.json"))
    [exported] = [row for row in bookings if row["id"] == booking.pk]
    assert (exported["seats"], exported["session_id"]) == (2, booking.session_id)
    clients = json.loads(archive.read("data/booking_core.client.json"))
    assert any(row["email"] == "just.before@example.com" for row in clients)
    booking_csv = archive.read("data/booking_core.booking.csv").decode().splitlines()
    assert booking_csv[0].split(",")[0] == "id"
    assert any(line.startswith(f"{booking.pk},") for line in booking_csv[1:])
    members = json.loads(archive.read("organisation/members.json"))
    assert sorted((member["email"], member["role"]) for member in members) == [
        ("alpha_owner@example.com", "owner"), ("alpha_staff@example.com", "staff")]
    everything = b"".join(archive.read(name) for name in archive.namelist())
    assert b"password" not in everything and b"md5$" not in everything
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["subdomain"] == "alpha"
    assert manifest["files"]["data/booking_core.booking"]["rows"] == len(bookings)
    assert json.loads(archive.read("organisation/organisation.json"))["slug"] == "alpha"


def test_every_table_of_the_schema_has_its_json_and_csv(tenant_alpha):
    from tenants.leaving.exports import tenant_models

    # given
    export = DataExport.objects.create(tenant=tenant_alpha)
    # when
    with tenant_context(tenant_alpha):
        data_export_build_task.fn(export.pk)
    export.refresh_from_db()
    # then: one JSON and one CSV per model of the tenant apps (many-to-many tables included)
    from tenants.leaving.storage import private_storage

    with private_storage().open(export.file_name, "rb") as file, zipfile.ZipFile(file) as archive:
        names = set(archive.namelist())
    models = tenant_models()
    assert any(model._meta.auto_created for model in models)
    for model in models:
        assert {f"data/{model._meta.label_lower}.json", f"data/{model._meta.label_lower}.csv"} <= names


def test_only_owners_see_the_organisation_page_and_download_exports(tenant_alpha, tenant_beta, member_client):
    # given: a ready export of Alpha
    export = DataExport.objects.create(tenant=tenant_alpha)
    with tenant_context(tenant_alpha):
        data_export_build_task.fn(export.pk)
    path = f"/office/organisation/exports/{export.token}/"
    # then: Alpha's staff are refused, Beta's owner does not see Alpha's export on Beta's host
    staff = member_client(tenant_alpha, "alpha_staff")
    assert staff.get("/office/organisation/").status_code == 403
    assert staff.get(path).status_code == 403
    assert staff.post("/office/organisation/export/").status_code == 403
    assert staff.post("/office/organisation/close/", {"confirmation": "alpha"}).status_code == 403
    assert member_client(tenant_beta, "beta_owner").get(path).status_code == 404
    assert DataExport.objects.filter(tenant=tenant_alpha).count() == 1
    assert Tenant.objects.get(pk=tenant_alpha.pk).status == Tenant.Status.ACTIVE


def test_the_download_link_expires(tenant_alpha, member_client, frozen_clock):
    # given
    export = DataExport.objects.create(tenant=tenant_alpha)
    with tenant_context(tenant_alpha):
        data_export_build_task.fn(export.pk)
    owner = member_client(tenant_alpha, "alpha_owner")
    path = f"/office/organisation/exports/{export.token}/"
    assert owner.get(path).status_code == 200
    # when: a week and a minute later, and once the hourly pass has run
    frozen_clock.move_to(NOW + dt.timedelta(days=7, minutes=1))
    assert owner.get(path).status_code == 404
    hourly_pass()
    # then: the file is gone and the export says so
    export.refresh_from_db()
    assert (export.status, export.file_name) == (DataExport.Status.EXPIRED, "")


# --- closing -------------------------------------------------------------------------------------------------


def test_closing_needs_the_subdomain_typed(leaver):
    tenant, _owner, client = leaver
    # when
    response = client.post("/office/organisation/close/", {"confirmation": "gamma"})
    # then
    assert response.status_code == 400
    assert "Type the subdomain gamma-leaves to confirm." in response.content.decode()
    assert Tenant.objects.get(pk=tenant.pk).status == Tenant.Status.ACTIVE


def test_closing_takes_the_site_offline_at_once_and_mails_the_deletion_date(leaver, client_for, outbox_mail):
    tenant, _owner, client = leaver
    assert client_for(tenant).get("/").status_code == 200
    # when
    response = close(client, tenant)
    # then: closed, audited, offline for clients and for the back office, but the owner's page still answers
    assert (response.status_code, response["Location"]) == (302, "/office/organisation/")
    tenant.refresh_from_db()
    assert (tenant.status, tenant.closed_at, tenant.closure_reason) == (Tenant.Status.CLOSED, NOW, "Retiring")
    assert PlatformAuditEntry.objects.filter(tenant_id=tenant.pk, action="tenant.closed").count() == 1
    site = client_for(tenant).get("/")
    assert site.status_code == 503
    assert "Gamma Leaves has closed its booking site." in site.content.decode()
    assert client.get("/office/").status_code == 503
    assert client.get("/api/v1/services/").status_code == 503
    page = client.get("/office/organisation/")
    assert page.status_code == 200
    assert "Its data will be deleted on 2026-07-10" in page.content.decode()
    assert not TEMPLATE_SOURCE.search(site.content.decode() + page.content.decode())
    # and the owner is told by email when the data goes
    email = _deliver(ORGANISATION_CLOSED, tenant, outbox_mail)
    assert email.to == ["gamma-owner@example.com"]
    assert "deleted on 2026-07-10" in email.body


def test_a_closed_organisations_subdomain_stays_taken(leaver):
    tenant, owner, client = leaver
    close(client, tenant)
    # then
    assert slug_problem("gamma-leaves") == SlugProblem.TAKEN
    with pytest.raises(TenantError) as refusal:
        tenant_create(slug="gamma-leaves", display_name="Someone Else", owner=owner)
    assert refusal.value.code == "slug_taken"


def test_platform_staff_restore_a_closed_organisation_from_the_console(leaver, staff_client, client_for):
    tenant, _owner, client = leaver
    close(client, tenant)
    console = staff_client()
    page = console.get(f"/console/tenants/{tenant.pk}/")
    assert "Restore this organisation" in page.content.decode()
    assert not TEMPLATE_SOURCE.search(page.content.decode())
    # when: without a reason, then with one
    refused = console.post(f"/console/tenants/{tenant.pk}/restore/", {"restore-reason": ""})
    assert refused.status_code == 400
    assert Tenant.objects.get(pk=tenant.pk).status == Tenant.Status.CLOSED
    response = console.post(f"/console/tenants/{tenant.pk}/restore/", {"restore-reason": "Owner changed mind"})
    # then: back in its old status, online, audited, and out of the deletion's reach
    assert response.status_code == 302
    tenant.refresh_from_db()
    assert (tenant.status, tenant.closed_at) == (Tenant.Status.ACTIVE, None)
    assert client_for(tenant).get("/").status_code == 200
    entry = PlatformAuditEntry.objects.get(tenant_id=tenant.pk, action="tenant.restored")
    assert entry.changes["restore_reason"] == [None, "Owner changed mind"]
    with time_machine.travel(NOW + dt.timedelta(days=60), tick=False):
        hourly_pass()
    assert schema_exists(tenant.schema_name)


# --- deletion after the grace period ----------------------------------------------------------------------


def test_only_closed_organisations_are_deleted(tenant_alpha):
    from tenants.leaving.services import organisation_delete

    with pytest.raises(TenantError):
        organisation_delete(tenant=tenant_alpha)
    assert schema_exists(tenant_alpha.schema_name)
    assert settings.ALLOT_CLOSED_TENANT_GRACE_DAYS == 30


def test_the_status_cannot_be_edited_to_or_from_closed(leaver):
    from tenants.services import tenant_set_status

    tenant, _owner, client = leaver
    with pytest.raises(TenantError):
        tenant_set_status(tenant=tenant, status=Tenant.Status.CLOSED)
    close(client, tenant)
    with pytest.raises(TenantError):
        tenant_set_status(tenant=Tenant.objects.get(pk=tenant.pk), status=Tenant.Status.ACTIVE)
    assert Tenant.objects.get(pk=tenant.pk).status == Tenant.Status.CLOSED
