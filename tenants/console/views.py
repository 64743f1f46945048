"""HTTP for the platform staff console on the root domain (/console/). Views parse input, call a selector or a
service and render; every view is a console_page (platform staff with a second factor only)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from allot.errors import ApplicationError
from billing.plans import PLANS
from billing.subscriptions.services import standing_of, subscription_plan_set
from tenants.console import selectors
from tenants.console.access import console_page
from tenants.console.forms import AuditFilterForm, DomainAddForm, ReasonForm, TenantFilterForm
from tenants.leaving.selectors import deletion_due_at
from tenants.leaving.services import organisation_restore
from tenants.models import Tenant
from tenants.pool.selectors import pool_status
from tenants.services import (
    domain_add,
    domain_remove,
    tenant_outbox_retry_dead,
    tenant_owner_verification_resend,
    tenant_resume,
    tenant_suspend,
)

PAGE_SIZE = 50


def _page(request, items):
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@console_page
@require_GET
def tenant_list(request):
    form = TenantFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "console/tenant_list.html", {"form": form, "page": None}, status=400)
    filters = form.cleaned_data if form.is_bound else {}
    tenants = selectors.console_tenant_list(
        search=filters.get("q", ""), status=filters.get("status", ""),
        created_from=filters.get("created_from"), created_to=filters.get("created_to"))
    page = _page(request, tenants)
    activity = selectors.console_tenant_activity(page.object_list)
    return render(request, "console/tenant_list.html", {
        "form": form, "page": page, "query": _query_without_page(request),
        "rows": [(organisation, activity[organisation.pk]) for organisation in page.object_list],
    })


def _tenant_page(request, tenant: Tenant, *, suspend_form=None, resume_form=None, domain_form=None,
                 restore_form=None, error=None, status=200):
    overview = selectors.console_tenant_overview(tenant=tenant)
    return render(request, "console/tenant_detail.html", {
        "overview": overview, "organisation": tenant,  # not "tenant": the base template reads that as the site's
        "suspend_form": suspend_form or ReasonForm(prefix="suspend"),
        "resume_form": resume_form or ReasonForm(prefix="resume"),
        "domain_form": domain_form or DomainAddForm(prefix="domain"),
        "restore_form": restore_form or ReasonForm(prefix="restore"),
        "serving": tenant.is_active, "closed": tenant.status == Tenant.Status.CLOSED,
        "deletion_at": deletion_due_at(tenant), "error": error,
        "standing": standing_of(tenant), "plans": list(PLANS.values()),
    }, status=status)


@console_page
@require_GET
def tenant_detail(request, tenant_id: int):
    return _tenant_page(request, selectors.console_tenant_get(tenant_id=tenant_id))


def _place_refusal(form, refusal: ApplicationError) -> None:
    """A service's refusal next to the fields it names; the rest above the form."""
    for name, field_messages in refusal.fields.items():
        for message in field_messages:
            form.add_error(name if name in form.fields else None, message)
    if not refusal.fields:
        form.add_error(None, str(refusal.message))


def _status_change(request, tenant_id: int, *, prefix: str, service, done_message: str):
    tenant = selectors.console_tenant_get(tenant_id=tenant_id)
    form = ReasonForm(request.POST, prefix=prefix)
    error = None
    if form.is_valid():
        try:
            service(tenant=tenant, reason=form.cleaned_data["reason"], actor=request.user)
        except ApplicationError as refusal:
            if refusal.fields:
                _place_refusal(form, refusal)
            else:
                error = str(refusal.message)  # e.g. already suspended: the page shows the current state
        else:
            messages.success(request, done_message)
            return redirect("console:tenant-detail", tenant_id=tenant.pk)
    return _tenant_page(request, tenant, status=400, error=error, **{f"{prefix}_form": form})


@console_page
@require_POST
def tenant_suspend_view(request, tenant_id: int):
    return _status_change(request, tenant_id, prefix="suspend", service=tenant_suspend,
                          done_message=_("The organisation is suspended: its sites answer “temporarily unavailable”."))


@console_page
@require_POST
def tenant_resume_view(request, tenant_id: int):
    return _status_change(request, tenant_id, prefix="resume", service=tenant_resume,
                          done_message=_("The organisation is back online."))


@console_page
@require_POST
def tenant_restore_view(request, tenant_id: int):
    return _status_change(request, tenant_id, prefix="restore", service=organisation_restore,
                          done_message=_("The organisation is restored: its sites are back online and its data "
                                         "will not be deleted."))


@console_page
@require_GET
def audit_log(request):
    form = AuditFilterForm(request.GET or None, tenant_choices=selectors.console_tenant_choices())
    if form.is_bound and not form.is_valid():
        return render(request, "console/audit_log.html", {"form": form, "page": None}, status=400)
    tenant_id = form.cleaned_data.get("tenant") if form.is_bound else None
    page = _page(request, selectors.console_audit_entries(tenant_id=tenant_id))
    tenants = selectors.console_tenants_by_id(entry.tenant_id for entry in page.object_list)
    rows = [(entry, tenants.get(entry.tenant_id)) for entry in page.object_list]
    return render(request, "console/audit_log.html", {
        "form": form, "page": page, "rows": rows, "query": _query_without_page(request),
    })


@console_page
@require_GET
def health(request):
    return render(request, "console/health.html", {
        "outbox_rows": selectors.console_outbox_by_tenant(),
        "failed_runs": selectors.console_failed_job_runs(),
        "heartbeats": selectors.console_heartbeats(),
        "pool": pool_status(),
    })


@console_page
@require_POST
def outbox_retry_dead_view(request, tenant_id: int):
    tenant = selectors.console_tenant_get(tenant_id=tenant_id)
    retried = tenant_outbox_retry_dead(tenant=tenant, actor=request.user)
    messages.success(request, ngettext("%(count)d dead message of %(name)s is queued again.",
                                       "%(count)d dead messages of %(name)s are queued again.", retried)
                     % {"count": retried, "name": tenant.display_name})
    return redirect("console:health")


@console_page
@require_POST
def owner_verification_resend_view(request, tenant_id: int):
    tenant = selectors.console_tenant_get(tenant_id=tenant_id)
    try:
        emails = tenant_owner_verification_resend(tenant=tenant, actor=request.user)
    except ApplicationError as refusal:
        return _tenant_page(request, tenant, error=str(refusal.message), status=400)
    messages.success(request, _("The confirmation message is on its way to %(emails)s.")
                     % {"emails": ", ".join(emails)})
    return redirect("console:tenant-detail", tenant_id=tenant.pk)


@console_page
@require_POST
def domain_add_view(request, tenant_id: int):
    tenant = selectors.console_tenant_get(tenant_id=tenant_id)
    form = DomainAddForm(request.POST, prefix="domain")
    if form.is_valid():
        try:
            domain_add(tenant=tenant, domain=form.cleaned_data["domain"], is_primary=form.cleaned_data["is_primary"],
                       actor=request.user)
        except ApplicationError as refusal:
            _place_refusal(form, refusal)
        else:
            messages.success(request, _("The domain %(domain)s now serves this organisation.")
                             % {"domain": form.cleaned_data["domain"]})
            return redirect("console:tenant-detail", tenant_id=tenant.pk)
    return _tenant_page(request, tenant, domain_form=form, status=400)


@console_page
@require_POST
def domain_remove_view(request, tenant_id: int, domain_id: int):
    tenant = selectors.console_tenant_get(tenant_id=tenant_id)
    domain = selectors.console_domain_get(tenant=tenant, domain_id=domain_id)
    try:
        domain_remove(domain=domain, actor=request.user)
    except ApplicationError as refusal:
        return _tenant_page(request, tenant, error=str(refusal.message), status=400)
    messages.success(request, _("The domain %(domain)s no longer serves this organisation.")
                     % {"domain": domain.domain})
    return redirect("console:tenant-detail", tenant_id=tenant.pk)


@console_page
@require_POST
def tenant_plan_set_view(request, tenant_id: int):
    """Platform staff put an organisation on a plan (audited)."""
    tenant = selectors.console_tenant_get(tenant_id=tenant_id)
    try:
        row = subscription_plan_set(tenant=tenant, plan=request.POST.get("plan", ""), actor=request.user)
    except ApplicationError as refusal:
        return _tenant_page(request, tenant, error=str(refusal.message), status=400)
    messages.success(request, _("%(name)s is now on the %(plan)s plan.")
                     % {"name": tenant.display_name, "plan": PLANS[row.plan].name})
    return redirect("console:tenant-detail", tenant_id=tenant.pk)
