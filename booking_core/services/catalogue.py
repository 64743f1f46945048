"""Services, their booking forms, staff members and their availability."""

from __future__ import annotations

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from billing.subscriptions.limits import staff_limit_require
from booking_core.acting import Actor
from booking_core.errors import BookingError
from booking_core.models import AvailabilityOverride, FormField, Service, StaffMember, TimeOff, WorkingHours
from booking_core.services.records import record_delete, record_save


def service_create(*, actor: Actor, **fields) -> Service:
    """Add a service to the catalogue."""
    return record_save(Service(), actor=actor, action="service.created", changes=fields)


def service_update(*, service: Service, actor: Actor, **changes) -> Service:
    """Change a service; existing bookings keep the times, seats and answers they were made with."""
    if "kind" in changes and changes["kind"] != service.kind and service.bookings.exists():
        raise BookingError(_("A service with bookings cannot change between individual and group."),
                           fields={"kind": [_("Has bookings.")]})
    return record_save(service, actor=actor, action="service.updated", changes=changes)


def service_delete(*, service: Service, actor: Actor) -> None:
    """Remove a service that was never booked; a booked one can only be deactivated."""
    try:
        record_delete(service, actor=actor, action="service.deleted")
    except ProtectedError as error:
        raise BookingError(_("This service has bookings or sessions; deactivate it instead."),
                           code="protected") from error


def form_field_create(*, service: Service, actor: Actor, **fields) -> FormField:
    """Add a question to a service's booking form."""
    return record_save(FormField(service=service), actor=actor, action="form_field.created", changes=fields)


def form_field_update(*, field: FormField, actor: Actor, **changes) -> FormField:
    """Change a question; answers already given are stored with their own copy of label and value."""
    return record_save(field, actor=actor, action="form_field.updated", changes=changes)


def form_field_delete(*, field: FormField, actor: Actor) -> None:
    record_delete(field, actor=actor, action="form_field.deleted")


def staff_create(*, actor: Actor, services: list[Service] | None = None, **fields) -> StaffMember:
    """Add a staff member (or a resource such as a room) and the individual services they deliver, within
    the plan's number of staff members."""
    if fields.get("is_active", True):
        staff_limit_require()
    return _staff_save(StaffMember(), actor=actor, action="staff.created", services=services, changes=fields)


def staff_update(*, staff: StaffMember, actor: Actor, services: list[Service] | None = None, **changes) -> StaffMember:
    return _staff_save(staff, actor=actor, action="staff.updated", services=services, changes=changes)


def _staff_save(member: StaffMember, *, actor: Actor, action: str, services, changes) -> StaffMember:
    if services is not None and any(not service.is_individual for service in services):
        raise BookingError(_("Staff members deliver individual services only."),
                           fields={"services": [_("Group services are booked by session.")]})
    with transaction.atomic():
        member = record_save(member, actor=actor, action=action, changes=changes)
        if services is not None:
            member.services.set(services)
    return member


def staff_delete(*, staff: StaffMember, actor: Actor) -> None:
    try:
        record_delete(staff, actor=actor, action="staff.deleted")
    except ProtectedError as error:
        raise BookingError(_("This staff member has bookings; deactivate them instead."), code="protected") from error


def _on_grid(*times) -> None:
    for value in times:
        if value is not None and (value.minute % 5 or value.second or value.microsecond):
            raise BookingError(_("Times must be on a 5-minute grid (e.g. 09:00, 09:05)."),
                               fields={"start_time": [_("Not on the 5-minute grid.")]})


def working_hours_create(*, staff: StaffMember, actor: Actor, **fields) -> WorkingHours:
    """Add a weekly working window (local time)."""
    _on_grid(fields.get("start_time"), fields.get("end_time"))
    return record_save(WorkingHours(staff=staff), actor=actor, action="working_hours.created", changes=fields)


def working_hours_update(*, hours: WorkingHours, actor: Actor, **changes) -> WorkingHours:
    _on_grid(changes.get("start_time"), changes.get("end_time"))
    return record_save(hours, actor=actor, action="working_hours.updated", changes=changes)


def working_hours_delete(*, hours: WorkingHours, actor: Actor) -> None:
    record_delete(hours, actor=actor, action="working_hours.deleted")


def override_create(*, staff: StaffMember, actor: Actor, **fields) -> AvailabilityOverride:
    """Replace one date's hours (or, without times, mark the day off)."""
    _on_grid(fields.get("start_time"), fields.get("end_time"))
    return record_save(AvailabilityOverride(staff=staff), actor=actor, action="override.created", changes=fields)


def override_update(*, override: AvailabilityOverride, actor: Actor, **changes) -> AvailabilityOverride:
    _on_grid(changes.get("start_time"), changes.get("end_time"))
    return record_save(override, actor=actor, action="override.updated", changes=changes)


def override_delete(*, override: AvailabilityOverride, actor: Actor) -> None:
    record_delete(override, actor=actor, action="override.deleted")


def time_off_create(*, staff: StaffMember, actor: Actor, **fields) -> TimeOff:
    """Block a period (holiday, sick leave); existing bookings in it stay and are listed for follow-up."""
    return record_save(TimeOff(staff=staff), actor=actor, action="time_off.created", changes=fields)


def time_off_update(*, time_off: TimeOff, actor: Actor, **changes) -> TimeOff:
    return record_save(time_off, actor=actor, action="time_off.updated", changes=changes)


def time_off_delete(*, time_off: TimeOff, actor: Actor) -> None:
    record_delete(time_off, actor=actor, action="time_off.deleted")
