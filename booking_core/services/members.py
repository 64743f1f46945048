"""An organisation's members as its back office changes them: the membership and invitation writes are
tenants.members' and tenants.services'; here they are joined to the member's calendar (a StaffMember in this
tenant's schema), in one transaction."""

from __future__ import annotations

from django.db import transaction

from booking_core.acting import Actor
from booking_core.selectors.catalogue import staff_get_for_operator
from booking_core.services.staff_links import staff_member_link_user
from tenants.members import services as member_services
from tenants.models import Invitation, Membership, Tenant
from tenants.services import membership_remove, membership_update


def member_invite(*, tenant: Tenant, email: str, role: str, staff_id: int | None, actor, language: str) -> Invitation:
    """Invite someone by email; a staff member's invitation may name the calendar that will be theirs."""
    if staff_id and role == Membership.Role.STAFF:
        staff_get_for_operator(staff_id=staff_id)  # another tenant's id is not found here
    return member_services.invitation_create(tenant=tenant, email=email, role=role, actor=actor, language=language,
                                             staff_member_id=staff_id if role == Membership.Role.STAFF else None)


def _link_calendar(invitation: Invitation, user) -> None:
    if invitation.staff_member_id:
        staff_member_link_user(staff_id=invitation.staff_member_id, user_id=user.pk, actor=Actor.operator(user))


def member_join_with_new_account(*, tenant: Tenant, token: str, full_name: str, password: str):
    """Accept an invitation with a new account; the invitation's calendar becomes the new member's."""
    with transaction.atomic():
        user, invitation = member_services.invitation_accept_with_new_account(
            tenant=tenant, token=token, full_name=full_name, password=password)
        _link_calendar(invitation, user)
    return user


def member_join_with_account(*, tenant: Tenant, token: str, user):
    """Accept an invitation with the invitee's existing account (they proved it is theirs)."""
    with transaction.atomic():
        user, invitation = member_services.invitation_accept_existing_account(tenant=tenant, token=token, user=user)
        _link_calendar(invitation, user)
    return user


def member_role_change(*, membership: Membership, role: str, actor) -> Membership:
    """Change a member's role (the last owner keeps theirs)."""
    return membership_update(membership=membership, role=role, actor=actor)


def member_calendar_set(*, membership: Membership, staff_id: int | None, actor) -> None:
    """Choose which staff member's calendar is this member's (None: none)."""
    staff_member_link_user(staff_id=staff_id, user_id=membership.user_id, actor=Actor.operator(actor))


def member_remove(*, membership: Membership, actor) -> None:
    """Take a member's access away (the last owner stays) and free the calendar that was theirs."""
    with transaction.atomic():
        membership_remove(membership=membership, actor=actor)
        staff_member_link_user(staff_id=None, user_id=membership.user_id, actor=Actor.operator(actor))
