"""Who may call the operator API: members by session login, or API keys, of this tenant only."""

from __future__ import annotations

from rest_framework import permissions

from booking_core.acting import Actor
from tenants.accounts import member_needs_mfa_setup
from tenants.api_keys import ApiKeyUser
from tenants.models import ApiKey, Membership
from tenants.permissions import current_tenant, membership_role

MANAGER_ROLES = {Membership.Role.OWNER, Membership.Role.ADMIN, ApiKey.Role.ADMIN}
EVERY_ROLE = MANAGER_ROLES | {Membership.Role.STAFF, ApiKey.Role.STAFF}


def operator_role(request) -> str | None:
    user = request.user
    if isinstance(user, ApiKeyUser):
        return user.key.role
    tenant = current_tenant()
    role = membership_role(user=user, tenant=tenant)
    if role is not None and member_needs_mfa_setup(user, tenant):
        return None  # the organisation requires two-factor authentication and this member has none yet
    return role


def operator_actor(request) -> Actor:
    if isinstance(request.user, ApiKeyUser):
        return Actor.api_key(request.user.key)
    return Actor.operator(request.user)


class IsOperator(permissions.BasePermission):
    """Any member may read; writing needs one of the view's `write_roles` (managers by default)."""

    message = "You are not allowed to do this in this organisation."

    def has_permission(self, request, view):
        role = operator_role(request)
        if role is None:
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return role in getattr(view, "write_roles", MANAGER_ROLES)
