"""Reads of an organisation's members and invitations, for its back office."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When

from tenants.errors import MemberNotFoundError
from tenants.models import Invitation, Membership, Tenant


def members_of(*, tenant: Tenant) -> QuerySet[Membership]:
    """The organisation's members, owners first, then by email."""
    order = {Membership.Role.OWNER: 0, Membership.Role.ADMIN: 1, Membership.Role.STAFF: 2}
    rank = Case(*[When(role=role, then=Value(position)) for role, position in order.items()],
                output_field=IntegerField())
    return (Membership.objects.filter(tenant=tenant).select_related("user")
            .annotate(role_rank=rank).order_by("role_rank", "user__email"))


def membership_get(*, tenant: Tenant, membership_id) -> Membership:
    """One of the organisation's members; another organisation's membership id is not found."""
    try:
        wanted = int(membership_id)
    except (TypeError, ValueError):
        raise MemberNotFoundError("No such member.") from None
    membership = Membership.objects.select_related("user", "tenant").filter(pk=wanted, tenant=tenant).first()
    if membership is None:
        raise MemberNotFoundError("No such member.")
    return membership


def open_invitations_of(*, tenant: Tenant) -> QuerySet[Invitation]:
    """Invitations neither accepted nor revoked (expired ones included: they can be sent again), newest first."""
    return (Invitation.objects.filter(tenant=tenant, accepted_at__isnull=True, revoked_at__isnull=True)
            .select_related("invited_by").order_by("-created_at", "-id"))
