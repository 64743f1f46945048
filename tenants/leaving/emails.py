"""The emails of leaving: "your export is ready" (with its download link) and "your organisation is closed"
(with the date its data will be deleted). Written to the outbox by tenants.leaving.services, rendered here
when a worker delivers them, in the organisation's language."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.template.loader import render_to_string
from django.urls import reverse

from allot.outbox.delivery import NoLongerRelevant, renderer
from tenants.leaving.services import EXPORT_READY, ORGANISATION_CLOSED
from tenants.links import tenant_url
from tenants.models import DataExport, Tenant


def _email(row, template: str, context: dict) -> EmailMultiAlternatives:
    subject = render_to_string(f"leaving/email/{template}_subject.txt", context).strip()
    body = render_to_string(f"leaving/email/{template}_message.txt", context)
    return EmailMultiAlternatives(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL,
                                  to=[row.recipient])


@renderer(EXPORT_READY)
def render_data_export_ready(row) -> EmailMultiAlternatives:
    export = (DataExport.objects.select_related("tenant").filter(pk=row.payload["export_id"],
                                                                status=DataExport.Status.READY).first())
    if export is None:
        raise NoLongerRelevant("the export has expired or is gone")
    path = reverse("office-organisation-export-download", kwargs={"token": export.token},
                   urlconf=settings.ROOT_URLCONF)
    return _email(row, "data_export_ready", {
        "organisation": export.tenant, "export": export, "download_url": tenant_url(export.tenant, path),
    })


@renderer(ORGANISATION_CLOSED)
def render_organisation_closed(row) -> EmailMultiAlternatives:
    tenant = Tenant.objects.filter(schema_name=connection.schema_name, status=Tenant.Status.CLOSED).first()
    if tenant is None:
        raise NoLongerRelevant("the organisation was restored or deleted")
    deletion_at = dt.datetime.fromisoformat(row.payload["deletion_at"]).astimezone(tenant.zone)
    return _email(row, "organisation_closed", {
        "organisation": tenant, "deletion_at": deletion_at,
        "organisation_url": tenant_url(tenant, reverse("office-organisation", urlconf=settings.ROOT_URLCONF)),
    })
