"""Which member's calendar a staff member is: a member with the staff role sees that staff member's bookings
only (the back office's Today, bookings list and booking pages)."""

from __future__ import annotations

from django.db import transaction

from booking_core.acting import Actor
from booking_core.models import StaffMember
from booking_core.selectors.catalogue import staff_get_for_operator
from booking_core.services.audit import audit_record


def staff_member_link_user(*, staff_id: int | None, user_id: int, actor: Actor) -> StaffMember | None:
    """Make `staff_id` the calendar of the member `user_id` (None: no calendar); a member has at most one, so
    any other staff member linked to them is unlinked (audited)."""
    with transaction.atomic():
        wanted = staff_get_for_operator(staff_id=staff_id) if staff_id else None
        linked = list(StaffMember.objects.select_for_update().filter(user_id=user_id).order_by("pk"))
        for member in linked:
            if wanted is not None and member.pk == wanted.pk:
                return member
            member.user_id = None
            member.save(update_fields=["user_id", "updated_at"])
            audit_record(actor=actor, action="staff.unlinked", obj=member, before={"user_id": user_id},
                         after={"user_id": None})
        if wanted is None:
            return None
        wanted = StaffMember.objects.select_for_update().get(pk=wanted.pk)
        before = {"user_id": wanted.user_id}
        wanted.user_id = user_id
        wanted.save(update_fields=["user_id", "updated_at"])
        audit_record(actor=actor, action="staff.linked", obj=wanted, before=before, after={"user_id": user_id})
    return wanted
