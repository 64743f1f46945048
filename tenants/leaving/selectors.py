"""Reads for leaving the platform: an organisation's exports, the one a download link names, the deletion date."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from tenants.models import DataExport, Tenant


def grace_period() -> dt.timedelta:
    return dt.timedelta(days=settings.ALLOT_CLOSED_TENANT_GRACE_DAYS)


def deletion_due_at(tenant: Tenant) -> dt.datetime | None:
    """When a closed organisation's data is deleted (None while it is not closed)."""
    if tenant.status != Tenant.Status.CLOSED or tenant.closed_at is None:
        return None
    return tenant.closed_at + grace_period()


def data_exports_recent(*, tenant: Tenant, limit: int = 10) -> list[DataExport]:
    return list(DataExport.objects.filter(tenant=tenant).select_related("requested_by")
                .order_by("-created_at", "-pk")[:limit])


def data_export_downloadable(*, tenant: Tenant, token: str, now: dt.datetime | None = None) -> DataExport | None:
    """This organisation's ready export with this link, while the link lasts; None otherwise (another
    organisation's link included)."""
    now = now or timezone.now()
    return DataExport.objects.filter(tenant=tenant, token=token, status=DataExport.Status.READY,
                                     expires_at__gt=now).first()
