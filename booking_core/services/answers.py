"""Server-side validation of answers to a service's booking form."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from booking_core.errors import BookingError
from booking_core.models import FormField, Service

DEFAULT_MAX_LENGTH = {FormField.Type.TEXT: 500, FormField.Type.LONG_TEXT: 5000}
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 ()\-/.]{5,24}$")


class _Invalid(Exception):
    pass


def _is_blank(value) -> bool:
    return value is None or value == "" or value == [] or value is False


def _clean_value(field: FormField, value):
    kind = field.field_type
    if kind in (FormField.Type.TEXT, FormField.Type.LONG_TEXT, FormField.Type.PHONE, FormField.Type.EMAIL):
        if not isinstance(value, str):
            raise _Invalid(_("Enter text."))
        if "\x00" in value:  # PostgreSQL stores no NUL character, in text or in JSON
            raise _Invalid(_("Remove the NUL character."))
        value = value.strip()
        limit = field.max_length or DEFAULT_MAX_LENGTH.get(kind, 254)
        if len(value) > limit:
            raise _Invalid(_("Use at most %(limit)d characters.") % {"limit": limit})
        if kind == FormField.Type.EMAIL:
            try:
                validate_email(value)
            except ValidationError as error:
                raise _Invalid(_("Enter a valid email address.")) from error
        if kind == FormField.Type.PHONE and not PHONE_PATTERN.match(value):
            raise _Invalid(_("Enter a valid phone number."))
        return value
    if kind == FormField.Type.NUMBER:
        if isinstance(value, bool):
            raise _Invalid(_("Enter a number."))
        try:
            number = Decimal(str(value).strip().replace(",", "."))
        except InvalidOperation as error:
            raise _Invalid(_("Enter a number.")) from error
        if not number.is_finite():
            raise _Invalid(_("Enter a number."))
        if field.min_value is not None and number < field.min_value:
            raise _Invalid(_("Enter %(min)s or more.") % {"min": field.min_value})
        if field.max_value is not None and number > field.max_value:
            raise _Invalid(_("Enter %(max)s or less.") % {"max": field.max_value})
        return str(number)
    if kind == FormField.Type.SINGLE_CHOICE:
        if not isinstance(value, str) or value not in field.choice_values():
            raise _Invalid(_("Pick one of the choices."))
        return value
    if kind == FormField.Type.MULTIPLE_CHOICE:
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(item, str) for item in values):
            raise _Invalid(_("Pick from the choices."))
        if len(set(values)) != len(values) or not set(values) <= set(field.choice_values()):
            raise _Invalid(_("Pick from the choices."))
        return values
    if kind == FormField.Type.CHECKBOX:
        if value in (True, "true", "on", "1", 1):
            return True
        if value in (False, "false", "off", "0", 0, "", None):
            return False
        raise _Invalid(_("Tick the box or leave it empty."))
    if kind == FormField.Type.DATE:
        try:
            return datetime.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError as error:
            raise _Invalid(_("Enter a date as YYYY-MM-DD.")) from error
    raise _Invalid(_("Unsupported question type."))


def answers_validate(*, service: Service, answers: dict | None, language: str) -> list[dict]:
    """Check `answers` ({key: value}) against the service's form; return the snapshot to store.

    Raises BookingError with a message per question; unknown keys are refused too.
    """
    answers = answers or {}
    if not isinstance(answers, dict):
        raise BookingError(_("The answers must be an object of question keys to values."),
                           fields={"answers": [_("Expected an object.")]})
    fields = list(service.form_fields.all())
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(answers) - {field.key for field in fields})
    for key in unknown:
        errors[key] = [_("This form has no such question.")]
    snapshot = []
    for field in fields:
        raw = answers.get(field.key)
        try:
            value = None if _is_blank(raw) and field.field_type != FormField.Type.CHECKBOX else _clean_value(field, raw)
        except _Invalid as problem:
            errors[field.key] = [str(problem)]
            continue
        if field.required and _is_blank(value):
            message = _("Please tick this box to continue.") if field.field_type == FormField.Type.CHECKBOX else _(
                "This question must be answered.")
            errors[field.key] = [message]
            continue
        if value is None:
            continue
        entry = {"key": field.key, "type": field.field_type, "label": field.label(language), "value": value}
        if field.field_type in (FormField.Type.SINGLE_CHOICE, FormField.Type.MULTIPLE_CHOICE):
            values = value if isinstance(value, list) else [value]
            entry["display"] = ", ".join(field.choice_label(item, language) for item in values)
        snapshot.append(entry)
    if errors:
        raise BookingError(_("Some answers need attention."), fields=errors)
    return snapshot
