"""Who may call the operator API: members by session login, or API keys, of this tenant only.

Members follow the back office's roles (booking_core.selectors.member_scope, the same decision `office_page`
uses): owners and admins reach everything; a member with the staff role reaches only the endpoints a view opens
to them (`open_to_staff_members`: their bookings and their own calendar), limited to the staff member linked to
their account (another staff member's records are 404s); everything else is 403 for them. API keys are programs,
not people: an admin key acts as an admin; a staff key reads everything and may write where `write_roles` allows
staff (bookings, the waitlist, programme sign-ups and offers)."""

from __future__ import annotations

from rest_framework import permissions

from booking_core.acting import Actor
from booking_core.selectors.member_scope import member_staff_scope, role_is_manager
from tenants.accounts import member_needs_mfa_setup
from tenants.api_keys import ApiKeyUser
from tenants.models import ApiKey, Membership
from tenants.permissions import current_tenant, membership_role

MANAGER_ROLES = {Membership.Role.OWNER, Membership.Role.ADMIN, ApiKey.Role.ADMIN}
EVERY_ROLE = MANAGER_ROLES | {Membership.Role.STAFF, ApiKey.Role.STAFF}

_UNSET = object()


def operator_role(request) -> str | None:
    user = request.user
    if isinstance(user, ApiKeyUser):
        return user.key.role
    tenant = current_tenant()
    role = membership_role(user=user, tenant=tenant)
    if role is not None and member_needs_mfa_setup(user, tenant):
        return None  # the organisation requires two-factor authentication and this member has none yet
    return role


def is_staff_member(request) -> bool:
    """A person signed in with the staff role (not an API key): limited to their own calendar and bookings."""
    if isinstance(request.user, ApiKeyUser):
        return False
    role = operator_role(request)
    return role is not None and not role_is_manager(role)


def operator_staff_ids(request) -> list[int] | None:
    """The staff members whose records the caller reaches: None (everyone) for managers and API keys; for a
    staff member the one linked to their account, as in the back office. Remembered for the request."""
    cached = getattr(request, "_operator_staff_ids", _UNSET)
    if cached is _UNSET:
        cached = None
        if is_staff_member(request):
            cached = member_staff_scope(user=request.user, role=operator_role(request))
        request._operator_staff_ids = cached
    return cached


def operator_actor(request) -> Actor:
    if isinstance(request.user, ApiKeyUser):
        return Actor.api_key(request.user.key)
    return Actor.operator(request.user)


class IsOperator(permissions.BasePermission):
    """Any member may read; writing needs one of the view's `write_roles` (managers by default). Staff members
    reach only the views that set `open_to_staff_members`."""

    message = "You are not allowed to do this in this organisation."

    def has_permission(self, request, view):
        role = operator_role(request)
        if role is None:
            return False
        if is_staff_member(request) and not getattr(view, "open_to_staff_members", False):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return role in getattr(view, "write_roles", MANAGER_ROLES)
