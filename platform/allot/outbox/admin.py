"""Outgoing messages: all of them for platform staff, a tenant's own in its back office; retry dead ones."""

from __future__ import annotations

from django.contrib import admin, messages

from allot.errors import ApplicationError
from allot.outbox.models import OutboxMessage
from allot.outbox.services import outbox_retry
from tenants.admin_site import tenant_admin_site
from tenants.permissions import current_tenant


class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "tenant_schema", "event_type", "recipient", "language", "status", "attempts",
                    "next_attempt_at", "sent_at"]
    list_filter = ["status", "event_type", "queue"]
    search_fields = ["recipient", "idempotency_key", "subject_ref"]
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # shown read-only: a message changes only through the relay and the retry service

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Retry the selected failed or dead messages")
    def retry(self, request, queryset):
        retried = 0
        for message in queryset:
            try:
                outbox_retry(message=message)
                retried += 1
            except ApplicationError as error:
                self.message_user(request, f"#{message.pk}: {error.message}", level=messages.WARNING)
        if retried:
            self.message_user(request, f"{retried} message(s) queued again.")


class TenantOutboxMessageAdmin(OutboxMessageAdmin):
    list_display = [name for name in OutboxMessageAdmin.list_display if name != "tenant_schema"]

    def get_queryset(self, request):
        tenant = current_tenant()
        return super().get_queryset(request).filter(tenant_schema=tenant.schema_name if tenant else "-")


admin.site.register(OutboxMessage, OutboxMessageAdmin)
tenant_admin_site.register(OutboxMessage, TenantOutboxMessageAdmin)
