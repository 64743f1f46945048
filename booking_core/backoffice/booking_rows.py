"""The rows of the back office's booking tables (the bookings list, Today, a client's page) as HTML, built in
Python: including a row template per booking was most of the bookings list's time (bench backoffice). The
markup is what backoffice/_booking_row.html produced, byte for byte: texts are escaped with html.escape as
Django's escape does, times are shown in the current (the tenant's) zone as the `date` filter does."""

from __future__ import annotations

import datetime as dt
from html import escape

from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from booking_core.models import Booking

CONFIRMED = Booking.Status.CONFIRMED.value

# The columns a row shows (with select_related("service", "session", "staff", "client")): reading any other
# field of these bookings costs a query per row.
BOOKING_ROW_FIELDS = (
    "id", "status", "seats", "starts_at", "service_id", "session_id", "staff_id", "client_id",
    "service__slug", "service__name_en", "service__name_hu", "service__name_de",
    "session__location", "staff__name", "client__name", "client__email",
)


class BookingRows:
    """Renders one page's booking rows; labels and links are prepared once per page."""

    def __init__(self, request):
        self.request = request
        self.status_labels = {value: escape(str(label)) for value, label in Booking.Status.choices}
        self.booking_url = escape(reverse("office-booking", args=[0]).replace("/0/", "/{}/"))
        self.attendance_url = escape(reverse("office-booking-attendance", args=[0]).replace("/0/", "/{}/"))
        self.zone = timezone.get_current_timezone()
        self.service_names: dict[int, str] = {}
        self._attendance_form: tuple[str, str] | None = None

    def _service(self, booking: Booking) -> str:
        name = self.service_names.get(booking.service_id)
        if name is None:
            name = self.service_names[booking.service_id] = escape(str(booking.service))
        return name

    def _attendance(self, booking: Booking, now: dt.datetime) -> str:
        if booking.status != CONFIRMED or booking.starts_at > now:
            return "<td></td>"
        if self._attendance_form is None:
            token = escape(get_token(self.request))
            self._attendance_form = (
                '<form method="post" action="', '"><input type="hidden" name="csrfmiddlewaretoken" '
                f'value="{token}"><input type="hidden" name="back" value="today">'
                f'<button type="submit" name="attended" value="1" class="button">{escape(_("Arrived"))}</button> '
                '<button type="submit" name="attended" value="0" class="button button--secondary">'
                f'{escape(_("No-show"))}</button></form>')
        before, after = self._attendance_form
        return f"<td>{before}{self.attendance_url.format(booking.pk)}{after}</td>"

    def row(self, booking: Booking, *, now: dt.datetime | None = None) -> str:
        if booking.staff_id:
            place = escape(booking.staff.name)
        elif booking.session_id:
            place = escape(booking.session.location)
        else:
            place = ""
        status = self.status_labels.get(booking.status)
        if status is None:
            status = escape(booking.status)
        return (
            "<tr>\n"
            f'  <td><a href="{self.booking_url.format(booking.pk)}">'
            f"{booking.starts_at.astimezone(self.zone):%Y-%m-%d %H:%M}</a></td>\n"
            f"  <td>{self._service(booking)}</td>\n"
            f"  <td>{place}</td>\n"
            f'  <td>{escape(booking.client.name)}<br><span class="muted">{escape(booking.client.email)}</span></td>\n'
            f"  <td>{booking.seats}</td>\n"
            f'  <td><span class="status status--{escape(booking.status)}">{status}</span></td>\n'
            f"  {self._attendance(booking, now) if now is not None else ''}\n"
            "</tr>\n"
        )

    def rows(self, bookings, *, attendance_at: dt.datetime | None = None) -> SafeString:
        """The <tr>s of `bookings`; with `attendance_at` (now), a column with Arrived / No-show for confirmed
        bookings that have started."""
        return mark_safe("".join(self.row(booking, now=attendance_at) for booking in bookings))  # noqa: S308 - escaped above
