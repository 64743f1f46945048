"""Reads of the catalogue for the booking site and the API."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from booking_core.errors import BookingNotFoundError
from booking_core.models import FormField, Service, StaffMember


def services_for_clients() -> QuerySet[Service]:
    """Active services with what a booking page shows (form questions, staff), in display order."""
    return Service.objects.filter(is_active=True).prefetch_related(
        Prefetch("form_fields", queryset=FormField.objects.order_by("position", "id")),
        Prefetch("staff_members", queryset=StaffMember.objects.filter(is_active=True).order_by("name", "id")),
    )


def service_for_booking(*, service_id) -> Service:
    """An active service with its booking form, for validating a booking (no staff list needed)."""
    service = (
        Service.objects.filter(pk=service_id, is_active=True)
        .prefetch_related(Prefetch("form_fields", queryset=FormField.objects.order_by("position", "id")))
        .first()
    )
    if service is None:
        raise BookingNotFoundError("No such service.")
    return service


def service_get_for_clients(*, service_id=None, slug: str | None = None) -> Service:
    services = services_for_clients()
    service = services.filter(slug=slug).first() if slug is not None else services.filter(pk=service_id).first()
    if service is None:
        raise BookingNotFoundError("No such service.")
    return service
