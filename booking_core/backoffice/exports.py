"""The bookings list as CSV, streamed row by row, with every cell safe to open in a spreadsheet."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _

# A cell starting with one of these is a formula to a spreadsheet (CSV injection); a leading quote
# makes it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    def write(self, value):
        return value


def bookings_csv_rows(bookings, zone) -> Iterator[str]:
    """Lines of CSV for `bookings` (a queryset, read in chunks), times in `zone`."""
    writer = csv.writer(_Echo())
    yield writer.writerow([
        _("Booking"), _("Starts"), _("Ends"), _("Service"), _("Staff"), _("Client"), _("Email"), _("Phone"),
        _("Seats"), _("Status"), _("Source"), _("Booked at"),
    ])
    rows: Iterable = bookings.iterator(chunk_size=CHUNK)
    for booking in rows:
        yield writer.writerow([safe_cell(cell) for cell in (
            booking.pk,
            booking.starts_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            booking.ends_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            str(booking.service),
            booking.staff.name if booking.staff_id else "",
            booking.client.name,
            booking.client.email,
            booking.client.phone,
            booking.seats,
            booking.get_status_display(),
            booking.get_source_display(),
            booking.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        )])
