"""The bounds every API input is held to, and the fields that apply them.

Dates and times outside EARLIEST..LATEST are refused: Python's calendar ends at 9999-12-31, so a filter at its
edge overflowed as soon as it was moved by a day or converted to UTC. Integers get the bounds of the column they
end up in (ids are bigint, counts are PostgreSQL integer), so no input reaches the database out of range.

A time without an offset is read in the organisation's time zone, on every surface (the booking API, the
operator API's bodies and filters, the booking site): `2026-12-08T10:00:00` is ten o'clock where the
organisation is. A local time that a daylight-saving change skips or repeats is refused: only an offset says
which instant it means.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db import connection
from django.db import models as db_models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2999, 12, 31)
ID_MAX = 2**63 - 1  # bigint primary keys
INTEGER_MAX = 2**31 - 1  # PostgreSQL integer: capacities, seats, minutes
NAIVE_TIME_RULE = ("A time without an offset (no `Z` or `+01:00`) is read in the organisation's time zone; "
                   "dates and times are accepted from 1900-01-01 to 2999-12-31.")


def tenant_zone() -> dt.tzinfo:
    """The time zone of the organisation being served (UTC on the root domain)."""
    try:
        return connection.tenant.zone
    except (AttributeError, zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def within_calendar(value: dt.date | dt.datetime) -> bool:
    day = value.astimezone(dt.UTC).date() if isinstance(value, dt.datetime) else value
    return EARLIEST <= day <= LATEST


def aware_in_tenant_zone(value: dt.datetime) -> dt.datetime | None:
    """`value` with the organisation's zone if it has no offset of its own; None if that local time is skipped
    or repeated by a daylight-saving change (only an offset says which instant it is)."""
    if value.tzinfo is not None:
        return value
    zone = tenant_zone()
    first, second = value.replace(tzinfo=zone, fold=0), value.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():  # skipped (spring) or repeated (autumn)
        return None
    return first


class TenantDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time; without an offset it is read in the organisation's zone; within EARLIEST..LATEST."""

    default_error_messages = {
        "out_of_range": _("Use a time between 1900 and 2999."),
        "not_local": _("This local time is skipped or repeated by a daylight-saving change; give its UTC offset."),
    }

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            aware = aware_in_tenant_zone(value)
            if aware is None:
                self.fail("not_local")
            return aware
        return super().enforce_timezone(value)

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        try:
            inside = within_calendar(parsed)
        except OverflowError:
            inside = False
        if not inside:
            self.fail("out_of_range")
        return parsed


class BoundedDateField(serializers.DateField):
    """An ISO 8601 date within EARLIEST..LATEST."""

    default_error_messages = {"out_of_range": _("Use a date between 1900 and 2999.")}

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if not within_calendar(parsed):
            self.fail("out_of_range")
        return parsed


def id_field(**kwargs) -> serializers.IntegerField:
    """An id sent by a client: a positive bigint."""
    return serializers.IntegerField(min_value=1, max_value=ID_MAX, **kwargs)


def count_field(*, min_value: int = 1, **kwargs) -> serializers.IntegerField:
    """A number of seats, places or minutes sent by a client: fits a PostgreSQL integer column."""
    return serializers.IntegerField(min_value=min_value, max_value=INTEGER_MAX, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": ID_MAX})
class BoundedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related object by id: an id out of the bigint range is simply an id that does not exist."""

    def to_internal_value(self, data):
        if isinstance(data, int | str) and str(data).isascii() and str(data).isdigit() and not (
                1 <= int(str(data)[:20]) <= ID_MAX):
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


def model_serializers_use_bounded_fields() -> None:
    """Every ModelSerializer's date, time and related-id inputs follow the same rules as the hand-written
    serializers."""
    serializers.ModelSerializer.serializer_related_field = BoundedPrimaryKeyRelatedField
    serializers.ModelSerializer.serializer_field_mapping[db_models.DateTimeField] = TenantDateTimeField
    serializers.ModelSerializer.serializer_field_mapping[db_models.DateField] = BoundedDateField
