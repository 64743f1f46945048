"""The tenant's clients: found or created on booking, kept by hand, and merged when one person is two."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from booking_core.acting import Actor
from booking_core.errors import BookingError, BookingNotFoundError
from booking_core.models import Client
from booking_core.services.audit import audit_record
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


def client_merge(*, keep: Client, duplicate: Client, actor: Actor) -> dict[str, int]:
    """Merge a duplicate client into the one kept: their bookings, waitlist entries and programme sign-ups
    (every row that points at a client) move to the kept client and the duplicate is removed, in one
    transaction with one audit entry. Returns how many rows of each kind moved."""
    if keep.pk == duplicate.pk:
        raise BookingError(_("A client cannot be merged with themselves."), fields={"duplicate": [_("Same client.")]})
    with transaction.atomic():
        # Both rows locked (in primary-key order): nobody books for the duplicate while it disappears.
        locked = {client.pk: client for client in
                  Client.objects.select_for_update().filter(pk__in=[keep.pk, duplicate.pk]).order_by("pk")}
        if len(locked) != 2:
            # Another tenant's client (or one just removed) does not exist here.
            raise BookingNotFoundError("No such client.")
        keep, duplicate = locked[keep.pk], locked[duplicate.pk]
        moved: dict[str, int] = {}
        try:
            with transaction.atomic():
                for relation in _client_relations():
                    count = relation.related_model._base_manager.filter(
                        **{relation.field.name: duplicate}).update(**{relation.field.name: keep})
                    if count:
                        moved[relation.related_model._meta.label_lower] = count
        except IntegrityError as error:
            # Both clients are on the same waitlist or signed up the same participant for a programme.
            raise BookingError(
                _("Both clients are waiting for the same place or signed up the same person for a programme; "
                  "remove one of the two first."), code="conflict") from error
        before = {"kept": _client_summary(keep), "merged": _client_summary(duplicate)}
        audit_record(actor=actor, action="client.merged", obj=keep, before=before,
                     after={"kept": _client_summary(keep), "moved": moved})
        duplicate_id = duplicate.pk
        duplicate.delete()
        audit_record(actor=actor, action="client.merged_away", obj=Client(pk=duplicate_id),
                     before=before["merged"], after={"into": keep.pk, "moved": moved})
    return moved


def _client_relations():
    """Every foreign key to Client (bookings, waitlist entries, sign-ups, and any added later)."""
    return [relation for relation in Client._meta.related_objects
            if relation.one_to_many or relation.one_to_one]


def _client_summary(client: Client) -> dict:
    return {"id": client.pk, "name": client.name, "email": client.email, "phone": client.phone}
