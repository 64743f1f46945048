"""The owners' organisation page in the back office (/office/organisation/): export the organisation's data,
download the exports, close the organisation. Owners only; it stays open after closing (tenants.middleware)
so that the owners can still fetch their exports until the data is deleted."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from allot.errors import ApplicationError
from booking_core.backoffice.access import OWNERS, office_page
from tenants.leaving.selectors import data_export_downloadable, data_exports_recent, deletion_due_at
from tenants.leaving.services import data_export_request, organisation_close
from tenants.leaving.storage import private_storage


class CloseOrganisationForm(forms.Form):
    confirmation = forms.CharField(label=gettext_lazy("Type the subdomain to confirm"), max_length=63)
    reason = forms.CharField(label=gettext_lazy("Why are you leaving? (optional)"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))


def _organisation_page(request, *, close_form=None, status=200):
    tenant = request.tenant
    return render(request, "backoffice/organisation.html", {
        "tenant": tenant, "nav": "organisation",
        "closed": tenant.status == tenant.Status.CLOSED, "deletion_at": deletion_due_at(tenant),
        "exports": data_exports_recent(tenant=tenant),
        "close_form": close_form or CloseOrganisationForm(),
        "grace_days": settings.ALLOT_CLOSED_TENANT_GRACE_DAYS,
    }, status=status)


@office_page(roles=OWNERS)
@require_GET
def organisation_page(request):
    return _organisation_page(request)


@office_page(roles=OWNERS)
@require_POST
def organisation_export(request):
    data_export_request(tenant=request.tenant, actor=request.user)
    messages.success(request, _("The export is being prepared. We will email you a download link when it is "
                                "ready."))
    return redirect("office-organisation")


@office_page(roles=OWNERS)
@require_POST
def organisation_close_view(request):
    form = CloseOrganisationForm(request.POST)
    if form.is_valid():
        try:
            organisation_close(tenant=request.tenant, confirmation=form.cleaned_data["confirmation"],
                               reason=form.cleaned_data["reason"], actor=request.user)
        except ApplicationError as refusal:
            for name, field_messages in refusal.fields.items():
                for message in field_messages:
                    form.add_error(name if name in form.fields else None, message)
            if not refusal.fields:
                form.add_error(None, str(refusal.message))
        else:
            messages.success(request, _("The organisation is closed: its booking site is offline."))
            return redirect("office-organisation")
    return _organisation_page(request, close_form=form, status=400)


@office_page(roles=OWNERS)
@require_GET
def organisation_export_download(request, token: str):
    export = data_export_downloadable(tenant=request.tenant, token=token)
    if export is None:
        raise Http404("No such export, or its link has expired.")
    storage = private_storage()
    if not storage.exists(export.file_name):
        raise Http404("The export's file is gone.")
    filename = f"{request.tenant.slug}-export-{export.created_at:%Y-%m-%d}.zip"
    return FileResponse(storage.open(export.file_name, "rb"), as_attachment=True, filename=filename,
                        content_type="application/zip")
