"""The Django admin on a tenant's host: open to that tenant's members only."""

from __future__ import annotations

from django import forms
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.utils.translation import gettext_lazy as _

from tenants.permissions import current_tenant, membership_role


class MemberAuthenticationForm(AdminAuthenticationForm):
    """Members are not platform staff (is_staff), so the stock admin login would turn them away."""

    def confirm_login_allowed(self, user):
        if not user.is_active or membership_role(user=user, tenant=current_tenant()) is None:
            raise forms.ValidationError(
                _("This account is not a member of this organisation."), code="not_a_member"
            )


class TenantAdminSite(AdminSite):
    site_header = _("Back office")
    site_title = _("Back office")
    index_title = _("Manage your organisation")
    login_form = MemberAuthenticationForm

    def has_permission(self, request):
        return membership_role(user=request.user, tenant=current_tenant()) is not None

    def each_context(self, request):
        context = super().each_context(request)
        tenant = current_tenant()
        if tenant is not None:
            context["site_header"] = tenant.display_name
        return context


tenant_admin_site = TenantAdminSite(name="tenant_admin")


class ReadOnlyAdminMixin:
    """For records nobody edits by hand (job runs, audit entries, offers): listed and shown, never added,
    changed or deleted from the admin (actions that call services still work)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
