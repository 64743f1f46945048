"""Validated, audited saves for catalogue records (services, questions, staff, hours)."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils.translation import gettext as _

from booking_core.acting import Actor
from booking_core.errors import BookingError
from booking_core.services.audit import audit_record


def _as_json(instance) -> dict:
    values = {field.attname: field.value_from_object(instance) for field in instance._meta.concrete_fields}
    return json.loads(json.dumps(values, cls=DjangoJSONEncoder))


def record_save(instance, *, actor: Actor, action: str, changes: dict | None = None):
    """Apply `changes`, validate the whole record, save it and write an audit entry, in one transaction."""
    before = None if instance.pk is None else _as_json(instance)
    for field, value in (changes or {}).items():
        setattr(instance, field, value)
    try:
        instance.full_clean()
    except ValidationError as error:
        raise BookingError(_("Please correct the highlighted fields."), fields=error.message_dict) from error
    with transaction.atomic():
        instance.save()
        audit_record(actor=actor, action=action, obj=instance, before=before, after=_as_json(instance))
    return instance


def record_delete(instance, *, actor: Actor, action: str) -> None:
    with transaction.atomic():
        audit_record(actor=actor, action=action, obj=instance, before=_as_json(instance))
        instance.delete()
