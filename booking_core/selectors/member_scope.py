"""What a member of the organisation reaches, by role: one decision shared by the back office (`office_page`)
and the operator API (`IsOperator`), so that the two surfaces cannot drift apart.

Owners and admins reach every booking and calendar; a member with the staff role reaches the appointments of
the staff member linked to their account (`StaffMember.user_id`) and nothing of the catalogue, sessions,
waitlist or programmes."""

from __future__ import annotations

from booking_core.selectors.catalogue import staff_ids_of_user
from tenants.models import Membership
from tenants.permissions import MANAGER_ROLES, role_is_manager

__all__ = ["EVERY_MEMBER_ROLE", "MANAGER_ROLES", "OWNER_ROLES", "member_staff_scope", "role_is_manager"]

OWNER_ROLES = (Membership.Role.OWNER,)
EVERY_MEMBER_ROLE = (Membership.Role.OWNER, Membership.Role.ADMIN, Membership.Role.STAFF)


def member_staff_scope(*, user, role: str | None) -> list[int] | None:
    """The staff members whose calendar and bookings a member reaches: None (everyone) for owners and admins;
    for staff the staff member linked to their account (an empty list when none is linked: they reach none)."""
    if role_is_manager(role):
        return None
    return staff_ids_of_user(user_id=user.pk)
