"""Query-string parameters of the API, parsed once: a bad value is a 400 naming the parameter.

Dates and times follow booking_core.api.fields: within 1900..2999, and a time without an offset is read in the
organisation's time zone. Numbers fit their column; text never carries a NUL character (PostgreSQL refuses it).
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from booking_core.api.fields import ID_MAX, aware_in_tenant_zone, within_calendar
from booking_core.errors import BookingError


def datetime_param(request, name: str) -> dt.datetime | None:
    """An ISO 8601 time; without an offset it is read in the tenant's time zone."""
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        value = aware_in_tenant_zone(dt.datetime.fromisoformat(raw))
        inside = value is None or within_calendar(value)
    except (ValueError, OverflowError) as error:
        raise BookingError(_("Use ISO 8601 dates or times."), fields={name: [_("Not a date or time.")]}) from error
    if value is None:
        raise BookingError(_("This local time is skipped or repeated by a daylight-saving change; give its UTC "
                             "offset."), fields={name: [_("Ambiguous local time.")]})
    if not inside:
        raise BookingError(_("Use dates between 1900 and 2999."), fields={name: [_("Out of range.")]})
    return value


def int_param(request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    if not (raw.isascii() and raw.isdigit()):  # "²".isdigit() is true, and int("²") fails
        raise BookingError(_("Use a number."), fields={name: [_("Not a number.")]})
    # Beyond any id: it matches no row (Django answers such a lookup with nothing), without reading a
    # thousand-digit number.
    return ID_MAX + 1 if len(raw) > 19 else int(raw)


def date_param(request, name: str, default: dt.date | None = None) -> dt.date | None:
    raw = request.query_params.get(name)
    if not raw:
        return default
    try:
        value = dt.date.fromisoformat(raw)
    except ValueError as error:
        raise BookingError(_("Use dates as YYYY-MM-DD."), fields={name: [_("Not a date.")]}) from error
    if not within_calendar(value):
        raise BookingError(_("Use dates between 1900 and 2999."), fields={name: [_("Out of range.")]})
    return value


def text_param(request, name: str) -> str | None:
    """Free text to filter by; a NUL character cannot be stored or compared, so it is refused."""
    raw = request.query_params.get(name)
    if raw is not None and "\x00" in raw:
        raise BookingError(_("Text must not contain NUL characters."), fields={name: [_("Contains a NUL character.")]})
    return raw
