"""Reading calendar connections for the back office."""

from __future__ import annotations

from booking_core.models import CalendarConnection, StaffMember


def connections_by_staff(staff_ids: list[int] | None = None) -> dict[int, CalendarConnection]:
    connections = CalendarConnection.objects.all()
    if staff_ids is not None:
        connections = connections.filter(staff_id__in=staff_ids)
    return {connection.staff_id: connection for connection in connections}


def connection_for_staff(staff: StaffMember) -> CalendarConnection | None:
    return CalendarConnection.objects.filter(staff=staff).first()
