"""Query-string parameters of the API, parsed once: a bad value is a 400 naming the parameter."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils.translation import gettext as _

from booking_core.errors import BookingError


def datetime_param(request, name: str) -> dt.datetime | None:
    """An ISO 8601 time; without an offset it is read in the tenant's time zone."""
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError as error:
        raise BookingError(_("Use ISO 8601 dates or times."), fields={name: [_("Not a date or time.")]}) from error
    return value if value.tzinfo else value.replace(tzinfo=connection.tenant.zone)


def int_param(request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    if not (raw.isascii() and raw.isdigit()):  # "²".isdigit() is true, and int("²") fails
        raise BookingError(_("Use a number."), fields={name: [_("Not a number.")]})
    return int(raw)


def date_param(request, name: str, default: dt.date | None = None) -> dt.date | None:
    raw = request.query_params.get(name)
    if not raw:
        return default
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as error:
        raise BookingError(_("Use dates as YYYY-MM-DD."), fields={name: [_("Not a date.")]}) from error
