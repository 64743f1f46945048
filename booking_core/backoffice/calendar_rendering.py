"""The calendar's entries as HTML, built in Python: a busy week has hundreds of entries, and rendering each
through template includes cost a second per page under load (bench backoffice). Every text is escaped with
html.escape, exactly as Django's escape (and so the templates and format_html) does, but without the lazy
wrappers and SafeString checks per value; labels are translated once per page instead of once per entry."""

from __future__ import annotations

from html import escape
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from booking_core.models import Booking
from booking_core.selectors.calendar import CalendarAppointment, CalendarSeat, CalendarSession

CONFIRMED = Booking.Status.CONFIRMED.value


class EntryRenderer:
    """Renders one page's calendar entries in the tenant's zone."""

    def __init__(self, zone: ZoneInfo):
        self.zone = zone
        self.status_labels = {value: escape(str(label)) for value, label in Booking.Status.choices}
        self.cancelled = escape(_("cancelled"))
        self.booking_url = escape(reverse("office-booking", args=[0]).replace("/0/", "/{}/"))
        self.service_names: dict[int, str] = {}

    def _status(self, status: str) -> str:
        label = self.status_labels.get(status)
        return label if label is not None else escape(status)

    def _span(self, starts_at, ends_at) -> str:
        start, end = starts_at.astimezone(self.zone), ends_at.astimezone(self.zone)
        return f'<time datetime="{escape(start.isoformat())}">{start:%H:%M}–{end:%H:%M}</time>'

    def appointment(self, booking: CalendarAppointment, *, show_staff: bool) -> str:
        details = escape(booking.service_name)
        if show_staff:
            details += f" · {escape(booking.staff_name)}"
        if booking.status != CONFIRMED:
            details += f" · {self._status(booking.status)}"
        return (f'<li class="calendar-entry calendar-entry--{escape(booking.status)}">'
                f'<a href="{self.booking_url.format(booking.pk)}">{self._span(booking.starts_at, booking.ends_at)} '
                f'{escape(booking.client_name)}</a><br><span class="muted">{details}</span></li>')

    def _service(self, service) -> str:
        name = self.service_names.get(service.pk)
        if name is None:
            name = self.service_names[service.pk] = escape(str(service))
        return name

    def _seat(self, booking: CalendarSeat) -> str:
        seats = f" ×{booking.seats}" if booking.seats > 1 else ""
        status = (f' <span class="muted">{self._status(booking.status)}</span>'
                  if booking.status != CONFIRMED else "")
        link = self.booking_url.format(booking.pk)
        return f'<li><a href="{link}">{escape(booking.client_name)}</a>{seats}{status}</li>'

    def session(self, entry: CalendarSession) -> str:
        session = entry.session
        fill = self.cancelled if session.is_cancelled else escape(_("%(taken)s of %(capacity)s") % {
            "taken": session.seats_taken, "capacity": session.capacity})
        clients = "".join(self._seat(booking) for booking in entry.bookings)
        return (f'<li class="calendar-entry calendar-entry--session'
                f'{" calendar-entry--cancelled" if session.is_cancelled else ""}">'
                f'{self._span(session.starts_at, session.ends_at)} <strong>{self._service(session.service)}</strong>'
                f'{f" · {escape(session.location)}" if session.location else ""}<br>'
                f'<span class="muted">{fill}</span>{f"<ul>{clients}</ul>" if entry.bookings else ""}</li>')

    def entries(self, *, sessions=(), appointments=(), show_staff: bool = False) -> SafeString:
        """One list's items: the sessions, then the appointments (each already in time order)."""
        parts = [self.session(entry) for entry in sessions]
        parts += [self.appointment(booking, show_staff=show_staff) for booking in appointments]
        return mark_safe("".join(parts))  # noqa: S308 - every text in it is escaped above
