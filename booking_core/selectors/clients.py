"""Reads of the tenant's clients for the back office: the list with search, one client with what they have
booked, waited for and signed up for."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from booking_core.errors import BookingNotFoundError
from booking_core.models import Booking, Client


def clients_for_operator(*, query: str | None = None) -> QuerySet[Client]:
    """Clients by name (searched in name, email and phone), each with how many bookings they made."""
    clients = Client.objects.all()
    if query and query.strip():
        text = query.strip()
        clients = clients.filter(Q(name__icontains=text) | Q(email__icontains=text) | Q(phone__icontains=text))
    return clients.annotate(bookings_count=Count("bookings")).order_by("name", "id")


def client_get_for_operator(*, client_id) -> Client:
    """A client of this tenant; another tenant's id (or nonsense) is a 404."""
    try:
        wanted = int(client_id)
    except (TypeError, ValueError):
        raise BookingNotFoundError("No such client.") from None
    client = Client.objects.filter(pk=wanted).first()
    if client is None:
        raise BookingNotFoundError("No such client.")
    return client


def client_bookings_for_operator(*, client: Client) -> QuerySet[Booking]:
    """A client's bookings, latest start first."""
    return (Booking.objects.filter(client=client).select_related("service", "session", "staff")
            .order_by("-starts_at", "-id"))


def client_waitlist_entries_for_operator(*, client: Client):
    """A client's waitlist entries (every status), newest first."""
    return client.waitlist_entries.select_related("service", "session").order_by("-created_at", "-id")


def client_signups_for_operator(*, client: Client):
    """A client's programme sign-ups (every status), newest first. Through the reverse relation: the core does
    not import programmes."""
    return client.programme_signups.select_related("programme", "group").order_by("-created_at", "-id")
