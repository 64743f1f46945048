"""Job runs: every run for platform staff, a tenant's own runs in its back office."""

from __future__ import annotations

from django.contrib import admin

from allot.jobs.models import DueWork, JobRun, SchedulerMinute
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


class DueWorkAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The due-work index: when each tenant's job is next due (written by services and runs, never by hand)."""

    list_display = ["due_at", "tenant_schema", "job", "version", "updated_at"]
    list_filter = ["job"]
    search_fields = ["tenant_schema"]
    readonly_fields = [field.name for field in DueWork._meta.fields]


class SchedulerMinuteAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["minute", "tenants_serving", "tenants_woken", "tenants_skipped", "messages_sent", "duration_ms"]
    readonly_fields = [field.name for field in SchedulerMinute._meta.fields]


admin.site.register(JobRun, JobRunAdmin)
admin.site.register(DueWork, DueWorkAdmin)
admin.site.register(SchedulerMinute, SchedulerMinuteAdmin)
tenant_admin_site.register(JobRun, TenantJobRunAdmin)
