"""The Django admin: platform staff's on the root domain, a tenant's back office on its host.

Neither has a login form of its own. Django's admin login form would skip allauth's second factor and its
rate limits, so the admin's login page sends the visitor to allauth's sign-in and back.
"""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _

from tenants.accounts import (
    AFTER_MFA_SETUP_SESSION_KEY,
    PlatformAccess,
    member_needs_mfa_setup,
    platform_staff_access,
)
from tenants.permissions import current_tenant, membership_role, role_is_manager


class AccountLoginAdminSite(AdminSite):
    """An admin site whose login is allauth's (with its second factor and rate limits)."""

    def login(self, request, extra_context=None):
        destination = self._destination(request)
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: destination})}")
        if self.has_permission(request):
            return redirect(destination)
        return self.refuse(request, destination)

    def refuse(self, request, destination: str):
        """Signed in, but not allowed here."""
        return render(request, "allot/admin_refused.html", {"reason": self.refusal_reason(request)}, status=403)

    def refusal_reason(self, request) -> str:
        return _("This account has no access here.")

    def _destination(self, request) -> str:
        wanted = request.GET.get(REDIRECT_FIELD_NAME, "")
        if wanted and url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return wanted
        return reverse(f"{self.name}:index")


class PlatformAdminSite(AccountLoginAdminSite):
    """The root domain's admin: platform staff with a second factor (TOTP) only."""

    def has_permission(self, request):
        return platform_staff_access(request.user) is PlatformAccess.ALLOWED

    def refuse(self, request, destination: str):
        if platform_staff_access(request.user) is PlatformAccess.NEEDS_MFA:
            # Back here once the authenticator is set up (the recovery codes page links to it).
            request.session[AFTER_MFA_SETUP_SESSION_KEY] = destination
            return redirect("mfa_activate_totp")
        return super().refuse(request, destination)


class TenantAdminSite(AccountLoginAdminSite):
    site_header = _("Back office")
    site_title = _("Back office")
    index_title = _("Manage your organisation")

    def has_permission(self, request):
        """Owners and admins of this organisation (staff members use the back office: tenants.permissions)."""
        tenant = current_tenant()
        return (role_is_manager(membership_role(user=request.user, tenant=tenant))
                and not member_needs_mfa_setup(request.user, tenant))

    def refuse(self, request, destination: str):
        tenant = current_tenant()
        if membership_role(user=request.user, tenant=tenant) is not None and member_needs_mfa_setup(request.user,
                                                                                                   tenant):
            # The organisation requires two-factor authentication: set it up, then back here.
            request.session[AFTER_MFA_SETUP_SESSION_KEY] = destination
            return redirect("mfa_activate_totp")
        return super().refuse(request, destination)

    def refusal_reason(self, request) -> str:
        if membership_role(user=request.user, tenant=current_tenant()) is not None:
            return _("The organisation's admin is for its owners and admins; your calendar and bookings are in "
                     "the back office at /office/.")
        return _("This account is not a member of this organisation.")

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
