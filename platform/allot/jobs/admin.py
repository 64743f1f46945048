"""Job runs: every run for platform staff, a tenant's own runs in its back office."""

from __future__ import annotations

from django.contrib import admin

from allot.jobs.models import JobRun
from tenants.admin_site import ReadOnlyAdminMixin, tenant_admin_site
from tenants.permissions import current_tenant


class JobRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["started_at", "job_name", "tenant_schema", "status", "items_processed", "duration_ms", "error"]
    list_filter = ["status", "job_name"]
    search_fields = ["job_name", "tenant_schema", "error"]
    readonly_fields = [field.name for field in JobRun._meta.fields]


class TenantJobRunAdmin(JobRunAdmin):
    list_display = [name for name in JobRunAdmin.list_display if name != "tenant_schema"]

    def get_queryset(self, request):
        tenant = current_tenant()
        return super().get_queryset(request).filter(tenant_schema=tenant.schema_name if tenant else "-")


admin.site.register(JobRun, JobRunAdmin)
tenant_admin_site.register(JobRun, TenantJobRunAdmin)
