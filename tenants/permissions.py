"""What a member may do in their tenant's back office, decided by their role.

The organisation's Django admin (`/admin/` on its host) is for owners and admins only: staff members run their
day in the back office (`/office/`), where they see their own calendar; in the admin every list would show them
the whole organisation. Platform staff work from the root domain's admin and console, not a tenant's."""

from __future__ import annotations

from django.conf import settings
from django.db import connection

from tenants.models import Membership

# Apps whose models are operated from a tenant's admin.
TENANT_ADMIN_APP_LABELS = {"booking_core", "programmes", "outbox", "jobs"}
# Apps platform staff (is_staff) run from the root domain's admin.
PLATFORM_APP_LABELS = {"tenants", "accounts", "billing", "outbox", "jobs", "account", "mfa"}
# Owners and admins run the whole organisation; staff only their own calendar (booking_core.selectors.member_scope
# builds the back office's and the operator API's decision on this one).
MANAGER_ROLES = (Membership.Role.OWNER, Membership.Role.ADMIN)


def role_is_manager(role: str | None) -> bool:
    return role in MANAGER_ROLES


def current_tenant():
    tenant = getattr(connection, "tenant", None)
    if tenant is None or tenant.schema_name == settings.PUBLIC_SCHEMA_NAME:
        return None
    return tenant


def membership_role(*, user, tenant) -> str | None:
    """The user's role in `tenant`, or None; remembered on the user object for the request."""
    if tenant is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    cache = user.__dict__.setdefault("_allot_roles", {})
    if tenant.pk not in cache:
        cache[tenant.pk] = (
            Membership.objects.filter(user=user, tenant_id=tenant.pk).values_list("role", flat=True).first()
        )
    return cache[tenant.pk]


def role_allows(role: str | None, action: str, model_name: str) -> bool:
    """Model permissions in the organisation's admin: everything for owners and admins, nothing for staff
    (the admin is not theirs; see the module's docstring)."""
    return role_is_manager(role)


def _on_root_domain() -> bool:
    return getattr(connection, "schema_name", settings.PUBLIC_SCHEMA_NAME) == settings.PUBLIC_SCHEMA_NAME


class MembershipPermissionBackend:
    """Django auth backend: on a tenant's host, model permissions follow the membership role; on the
    root domain, platform staff may manage the platform's own models."""

    def authenticate(self, request, **credentials):
        return None

    def get_user(self, user_id):
        return None

    def has_perm(self, user_obj, perm, obj=None):
        app_label, _dot, codename = perm.partition(".")
        if _on_root_domain():
            return bool(user_obj.is_active and user_obj.is_staff and app_label in PLATFORM_APP_LABELS)
        if app_label not in TENANT_ADMIN_APP_LABELS:
            return False
        action, _underscore, model_name = codename.partition("_")
        return role_allows(membership_role(user=user_obj, tenant=current_tenant()), action, model_name)

    def has_module_perms(self, user_obj, app_label):
        if _on_root_domain():
            return bool(user_obj.is_active and user_obj.is_staff and app_label in PLATFORM_APP_LABELS)
        if app_label not in TENANT_ADMIN_APP_LABELS:
            return False
        return role_is_manager(membership_role(user=user_obj, tenant=current_tenant()))
