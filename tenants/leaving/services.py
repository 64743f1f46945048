"""Writes for leaving the platform: exports, closing, restoring and the deletion after the grace period."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from allot.jobs.models import JobRun
from allot.outbox.models import OutboxMessage
from allot.outbox.services import outbox_write
from tenants import resolution
from tenants.audit import field_values, platform_audit_record
from tenants.leaving.exports import export_write
from tenants.leaving.selectors import deletion_due_at, grace_period
from tenants.leaving.storage import private_storage
from tenants.models import DataExport, Membership, Tenant
from tenants.services import TenantError

logger = logging.getLogger(__name__)

EXPORT_READY = "tenant.data_export_ready"
ORGANISATION_CLOSED = "tenant.closed"
# A pending export not finished after this long was lost (a worker died, or the enqueue after commit never
# happened): the hourly pass sends it again; after STALE_EXPORT_GIVE_UP it is marked failed.
STALE_EXPORT_RESEND = dt.timedelta(hours=1)
STALE_EXPORT_GIVE_UP = dt.timedelta(days=1)


# --- exports ------------------------------------------------------------------------------------------------


def _export_enqueue(export_id: int, schema_name: str) -> None:
    from tenants.leaving.tasks import data_export_build_task  # binds the actor to the broker when first imported

    data_export_build_task.send_with_options(args=(export_id,), tenant_schema=schema_name)


def data_export_request(*, tenant: Tenant, actor) -> DataExport:
    """An owner asks for a zip of the organisation's data: recorded now, built by the worker pool after commit,
    announced by email to `actor` with a download link."""
    with transaction.atomic():
        export = DataExport.objects.create(tenant=tenant, requested_by=actor)
        platform_audit_record(actor=actor, action="tenant.data_export_requested", obj=tenant, tenant_id=tenant.pk,
                              after={"export_id": export.pk})
        schema_name = tenant.schema_name
        # robust: Redis being down must not turn the request into an error page; the hourly pass re-sends it.
        transaction.on_commit(lambda: _export_enqueue(export.pk, schema_name), robust=True)
    return export


@contextlib.contextmanager
def one_snapshot():
    """Read every table as of one moment (REPEATABLE READ, read only), unless the caller's transaction decides."""
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def data_export_build(*, export_id: int) -> DataExport | None:
    """Build a pending export's zip into private storage, mark it ready and email its link (run in the
    organisation's schema). A second delivery of the same message finds it done and does nothing."""
    export = DataExport.objects.select_related("tenant", "requested_by").filter(pk=export_id).first()
    if export is None or export.status != DataExport.Status.PENDING:
        return export
    tenant = export.tenant
    if connection.schema_name != tenant.schema_name:
        raise RuntimeError(f"export {export_id} of {tenant.schema_name} must run in its schema, "
                           f"not {connection.schema_name}")
    storage = private_storage()
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    name = f"exports/{tenant.schema_name}/{tenant.slug}-{stamp}-{export.pk}-{export.token[:8]}.zip"
    path = Path(storage.path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".part{os.getpid()}")
    try:
        with one_snapshot():
            summary = export_write(tenant=tenant, target=partial)
        os.replace(partial, path)
    except Exception as error:
        partial.unlink(missing_ok=True)
        _export_fail(export_id=export.pk, error=error)
        raise
    return _export_finish(export_id=export.pk, name=name, size_bytes=path.stat().st_size, rows=summary.rows)


def _export_fail(*, export_id: int, error: Exception) -> None:
    with transaction.atomic():
        DataExport.objects.filter(pk=export_id, status=DataExport.Status.PENDING).update(
            status=DataExport.Status.FAILED, error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now())


def _export_finish(*, export_id: int, name: str, size_bytes: int, rows: int) -> DataExport:
    now = timezone.now()
    with transaction.atomic():
        export = DataExport.objects.select_for_update(of=("self",)).select_related("tenant", "requested_by").get(
            pk=export_id)
        if export.status != DataExport.Status.PENDING:
            # Another delivery of the same message finished first: keep its file, drop this one.
            private_storage().delete(name)
            return export
        export.status = DataExport.Status.READY
        export.file_name, export.size_bytes, export.rows_exported = name, size_bytes, rows
        export.finished_at = now
        export.expires_at = now + dt.timedelta(days=settings.ALLOT_EXPORT_LINK_DAYS)
        export.save(update_fields=["status", "file_name", "size_bytes", "rows_exported", "finished_at",
                                   "expires_at"])
        recipients = [export.requested_by.email] if export.requested_by else _owner_emails(export.tenant)
        for recipient in recipients:
            outbox_write(event_type=EXPORT_READY, recipient=recipient, language=export.tenant.default_language,
                         payload={"export_id": export.pk}, idempotency_key=f"data_export:{export.pk}:ready:{recipient}",
                         subject_ref=f"data_export:{export.pk}", tenant_schema=export.tenant.schema_name)
    return export


def data_exports_expired_remove(*, now: dt.datetime | None = None) -> int:
    """Delete the files of exports whose link has expired (the record stays, marked expired); returns how many."""
    now = now or timezone.now()
    storage = private_storage()
    removed = 0
    for export in DataExport.objects.filter(status=DataExport.Status.READY, expires_at__lte=now):
        with transaction.atomic():
            updated = DataExport.objects.filter(pk=export.pk, status=DataExport.Status.READY).update(
                status=DataExport.Status.EXPIRED, file_name="")
            if updated and export.file_name:
                name = export.file_name
                transaction.on_commit(lambda name=name: storage.delete(name))
        removed += updated
    return removed


def data_exports_stale_resend(*, now: dt.datetime | None = None) -> int:
    """Send lost exports to the worker pool again (failing those pending for a day); returns how many were sent."""
    now = now or timezone.now()
    DataExport.objects.filter(status=DataExport.Status.PENDING, created_at__lte=now - STALE_EXPORT_GIVE_UP).update(
        status=DataExport.Status.FAILED, error="not built within a day", finished_at=now)
    stale = list(DataExport.objects.filter(status=DataExport.Status.PENDING,
                                           created_at__lte=now - STALE_EXPORT_RESEND)
                 .values_list("pk", "tenant__schema_name"))
    for export_id, schema_name in stale:
        _export_enqueue(export_id, schema_name)
    return len(stale)


# --- closing and restoring ----------------------------------------------------------------------------------


def _owner_emails(tenant: Tenant) -> list[str]:
    return list(Membership.objects.filter(tenant=tenant, role=Membership.Role.OWNER)
                .order_by("user__email").values_list("user__email", flat=True))


CLOSURE_FIELDS = ["status", "closed_at", "closure_reason", "status_before_closure"]


def organisation_close(*, tenant: Tenant, confirmation: str, reason: str = "", actor=None) -> Tenant:
    """The owner closes the organisation: its sites go offline at once, its owners are told by email when its
    data will be deleted (ALLOT_CLOSED_TENANT_GRACE_DAYS on); platform staff can restore it until then.
    `confirmation` must be the organisation's subdomain, typed by the owner."""
    if (confirmation or "").strip().lower() != tenant.slug:
        message = _("Type the subdomain %(slug)s to confirm.") % {"slug": tenant.slug}
        raise TenantError(message, fields={"confirmation": [message]}, code="confirmation_mismatch")
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        if locked.status == Tenant.Status.CLOSED:
            raise TenantError(_("This organisation is already closed."), code="already_closed")
        if locked.status not in Tenant.SERVING_STATUSES:
            raise TenantError(_("A suspended organisation cannot be closed; please contact support."),
                              code="suspended")
        before = field_values(locked, CLOSURE_FIELDS)
        locked.status_before_closure = locked.status
        locked.status = Tenant.Status.CLOSED
        locked.closed_at = timezone.now()
        locked.closure_reason = (reason or "").strip()[:2000]
        locked.save(update_fields=[*CLOSURE_FIELDS, "updated_at"])
        platform_audit_record(actor=actor, action="tenant.closed", obj=locked, tenant_id=locked.pk, before=before,
                              after=field_values(locked, CLOSURE_FIELDS))
        deletion_at = deletion_due_at(locked)
        for recipient in _owner_emails(locked):
            outbox_write(event_type=ORGANISATION_CLOSED, recipient=recipient, language=locked.default_language,
                         payload={"deletion_at": deletion_at.isoformat()},
                         idempotency_key=f"tenant:closed:{locked.closed_at.isoformat()}:{recipient}",
                         subject_ref=f"tenant:{locked.pk}", tenant_schema=locked.schema_name)
        resolution.forget_after_commit()
    return _copy_closure(tenant, locked)


def organisation_restore(*, tenant: Tenant, reason: str, actor=None) -> Tenant:
    """Platform staff bring a closed organisation back before its deletion, in the status it had (saying why)."""
    reason = (reason or "").strip()
    if not reason:
        message = _("Say why: the reason is kept in the platform's audit log.")
        raise TenantError(message, fields={"reason": [message]}, code="reason_required")
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        if locked.status != Tenant.Status.CLOSED:
            raise TenantError(_("This organisation is not closed."), code="not_closed")
        before = field_values(locked, CLOSURE_FIELDS)
        locked.status = locked.status_before_closure or Tenant.Status.ACTIVE
        locked.closed_at = None
        locked.closure_reason = ""
        locked.status_before_closure = ""
        locked.save(update_fields=[*CLOSURE_FIELDS, "updated_at"])
        platform_audit_record(actor=actor, action="tenant.restored", obj=locked, tenant_id=locked.pk, before=before,
                              after={**field_values(locked, CLOSURE_FIELDS), "restore_reason": reason})
        resolution.forget_after_commit()
    return _copy_closure(tenant, locked)


def _copy_closure(tenant: Tenant, locked: Tenant) -> Tenant:
    for name in [*CLOSURE_FIELDS, "updated_at"]:
        setattr(tenant, name, getattr(locked, name))
    return tenant


# --- deletion after the grace period ------------------------------------------------------------------------


def organisation_delete(*, tenant: Tenant, actor=None) -> None:
    """Delete a closed organisation for good: its schema, its domains, members, API keys and exports (rows and
    files), its outbox messages and job runs, and the accounts that belonged to it alone (platform staff's
    excepted). The platform audit log keeps its entries, and one more saying it was deleted."""
    if connection.schema_name != settings.PUBLIC_SCHEMA_NAME:
        raise RuntimeError("organisations are deleted from the public schema")
    storage = private_storage()
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        if locked.status != Tenant.Status.CLOSED:
            raise TenantError(_("Only a closed organisation can be deleted."), code="not_closed")
        schema_name = locked.schema_name
        platform_audit_record(actor=actor, action="tenant.deleted", obj=locked, tenant_id=locked.pk,
                              before=field_values(locked, ["slug", "display_name", "schema_name", "closed_at"]))
        export_files = [name for name in DataExport.objects.filter(tenant=locked).values_list("file_name", flat=True)
                        if name]
        logo = locked.logo.name
        OutboxMessage.objects.filter(tenant_schema=schema_name).delete()
        JobRun.objects.filter(tenant_schema=schema_name).delete()
        members = Membership.objects.filter(tenant=locked).values("user_id")
        alone = list(get_user_model().objects.filter(pk__in=members, is_staff=False, is_superuser=False)
                     .exclude(pk__in=Membership.objects.exclude(tenant=locked).values("user_id"))
                     .values_list("pk", flat=True))
        # Deferred foreign-key checks of rows written earlier in the same transaction must run before their
        # tables go (PostgreSQL refuses to drop a table with pending trigger events).
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # django-tenants drops the schema (auto_drop_schema); domains, members, API keys, exports cascade.
        locked.delete(force_drop=True)
        # After the schema: its tables (the admin's log) may point at these accounts.
        get_user_model().objects.filter(pk__in=alone).delete()
        resolution.forget_after_commit()

        def remove_files():
            for name in export_files:
                storage.delete(name)
            if logo:
                Tenant._meta.get_field("logo").storage.delete(logo)

        transaction.on_commit(remove_files)


def closed_organisations_delete(*, now: dt.datetime | None = None) -> int:
    """Delete every organisation closed longer than the grace period (one transaction each: one failure leaves
    the others deleted and is raised at the end); returns how many were deleted."""
    now = now or timezone.now()
    due = list(Tenant.objects.filter(status=Tenant.Status.CLOSED, closed_at__lte=now - grace_period()))
    deleted, failures = 0, []
    for tenant in due:
        try:
            organisation_delete(tenant=tenant)
        except Exception as error:
            logger.exception("could not delete the closed organisation %s", tenant.schema_name)
            failures.append(error)
        else:
            deleted += 1
    if failures:
        raise failures[0]
    return deleted
