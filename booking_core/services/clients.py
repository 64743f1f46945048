from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from booking_core.acting import Actor
from booking_core.errors import BookingError
from booking_core.models import Client
from booking_core.services.records import record_delete, record_save

# One round trip whether or not another booking created the same client a moment ago (no savepoint).
_INSERT_UNLESS_EXISTS = (
    f"INSERT INTO {Client._meta.db_table} (name, email, phone, preferred_language, created_at, updated_at) "
    "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING id"
)


def client_for_booking(*, name: str, email: str, phone: str = "", language: str = "en") -> Client:
    """The tenant's client with this email (case-insensitive), created on their first booking."""
    client = Client(name=(name or "").strip(), email=(email or "").strip(), phone=(phone or "").strip(),
                    preferred_language=language)
    try:
        client.full_clean(validate_constraints=False, validate_unique=False)
    except ValidationError as error:
        fields = {f"client.{field}": messages for field, messages in error.message_dict.items()}
        raise BookingError(_("Please check your contact details."), fields=fields) from error
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_UNLESS_EXISTS, [client.name, client.email, client.phone, language, now, now])
        row = cursor.fetchone()
    if row is None:
        return Client.objects.get(email__iexact=client.email)
    client.pk, client.created_at, client.updated_at = row[0], now, now
    return client


def client_create(*, actor: Actor, **fields) -> Client:
    """Add a client by hand (a phone booking to come); the email is unique within the tenant."""
    return record_save(Client(), actor=actor, action="client.created", changes=fields)


def client_update(*, client: Client, actor: Actor, **changes) -> Client:
    """Correct a client's details; bookings already made keep the answers they were made with."""
    return record_save(client, actor=actor, action="client.updated", changes=changes)


def client_delete(*, client: Client, actor: Actor) -> None:
    """Remove a client who never booked; one with bookings stays for the history."""
    try:
        record_delete(client, actor=actor, action="client.deleted")
    except ProtectedError as error:
        raise BookingError(_("This client has bookings, sign-ups or waitlist entries; they stay for the history."),
                           code="protected") from error
