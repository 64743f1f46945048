"""The platform staff console's addresses, under /console/ on the root domain (allot.urls_public includes them)."""

from django.urls import path

from tenants.console import views

app_name = "console"

urlpatterns = [
    path("", views.tenant_list, name="tenant-list"),
    path("tenants/<int:tenant_id>/", views.tenant_detail, name="tenant-detail"),
    path("tenants/<int:tenant_id>/suspend/", views.tenant_suspend_view, name="tenant-suspend"),
    path("tenants/<int:tenant_id>/resume/", views.tenant_resume_view, name="tenant-resume"),
    path("tenants/<int:tenant_id>/restore/", views.tenant_restore_view, name="tenant-restore"),
    path("tenants/<int:tenant_id>/resend-verification/", views.owner_verification_resend_view,
         name="owner-verification-resend"),
    path("tenants/<int:tenant_id>/domains/", views.domain_add_view, name="domain-add"),
    path("tenants/<int:tenant_id>/domains/<int:domain_id>/remove/", views.domain_remove_view, name="domain-remove"),
    # The organisation's plan (issue 15 item 4).
    path("tenants/<int:tenant_id>/plan/", views.tenant_plan_set_view, name="tenant-plan-set"),
    path("audit/", views.audit_log, name="audit-log"),
    path("health/", views.health, name="health"),
    path("tenants/<int:tenant_id>/outbox/retry-dead/", views.outbox_retry_dead_view, name="outbox-retry-dead"),
]
