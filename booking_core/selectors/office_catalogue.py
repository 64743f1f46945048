"""Reads of the catalogue for the back office's catalogue pages: a service's questions, a staff member's hours,
overrides and time off, a session's bookings. Another tenant's ids are simply not found (404)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from booking_core.errors import BookingNotFoundError
from booking_core.models import (
    AvailabilityOverride,
    Booking,
    FormField,
    Service,
    Session,
    StaffMember,
    TimeOff,
    WorkingHours,
)


def _wanted(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BookingNotFoundError("Not found.") from None


def questions_for_operator(*, service: Service) -> list[FormField]:
    return list(FormField.objects.filter(service=service).order_by("position", "id"))


def question_get_for_operator(*, service: Service, question_id) -> FormField:
    question = FormField.objects.filter(service=service, pk=_wanted(question_id)).first()
    if question is None:
        raise BookingNotFoundError("No such question.")
    return question


STAFF_ITEM_MODELS = {"hours": WorkingHours, "overrides": AvailabilityOverride, "time-off": TimeOff}


def staff_items_for_operator(*, staff: StaffMember, today: dt.date) -> dict:
    """The weekly hours, the overrides from today on and the time off not yet over."""
    return {
        "hours": list(WorkingHours.objects.filter(staff=staff).order_by("weekday", "start_time")),
        "overrides": list(AvailabilityOverride.objects.filter(staff=staff, date__gte=today).order_by("date")),
        "time_off": list(TimeOff.objects.filter(staff=staff, ends_at__date__gte=today).order_by("starts_at")),
    }


def staff_item_get_for_operator(*, staff: StaffMember, kind: str, item_id):
    model = STAFF_ITEM_MODELS.get(kind)
    item = model.objects.filter(staff=staff, pk=_wanted(item_id)).first() if model else None
    if item is None:
        raise BookingNotFoundError("Not found.")
    return item


def staff_with_services_for_operator() -> list[StaffMember]:
    return list(StaffMember.objects.prefetch_related("services").order_by("name", "id"))


def sessions_upcoming_for_operator(*, starts_from: dt.datetime, starts_until: dt.datetime,
                                   service_id: int | None = None) -> QuerySet[Session]:
    sessions = Session.objects.filter(starts_at__gte=starts_from, starts_at__lt=starts_until)
    if service_id:
        sessions = sessions.filter(service_id=service_id)
    return sessions.select_related("service").order_by("starts_at", "id")


def session_bookings_for_operator(*, session: Session) -> list[Booking]:
    return list(Booking.objects.filter(session=session).select_related("client").order_by("created_at", "id"))
