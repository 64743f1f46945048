"""The calendar's entries as HTML, built in Python: a busy week has hundreds of entries, and rendering each
through template includes cost a second per page under load (bench backoffice); format_html escapes the same
way the templates do, and labels are translated once per page instead of once per entry."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from booking_core.models import Booking
from booking_core.selectors.calendar import CalendarSession


class EntryRenderer:
    """Renders one page's calendar entries in the tenant's zone."""

    def __init__(self, zone: ZoneInfo):
        self.zone = zone
        self.status_labels = {value: str(label) for value, label in Booking.Status.choices}
        self.cancelled = _("cancelled")
        self.booking_url = reverse("office-booking", args=[0]).replace("/0/", "/{}/")
        self.service_names: dict[int, str] = {}

    def _service(self, service) -> str:
        name = self.service_names.get(service.pk)
        if name is None:
            name = self.service_names[service.pk] = str(service)
        return name

    def _span(self, starts_at, ends_at) -> SafeString:
        start, end = starts_at.astimezone(self.zone), ends_at.astimezone(self.zone)
        return format_html('<time datetime="{}">{}–{}</time>', start.isoformat(), start.strftime("%H:%M"),
                           end.strftime("%H:%M"))

    def appointment(self, booking: Booking, *, show_staff: bool) -> SafeString:
        details = self._service(booking.service)
        if show_staff:
            details += f" · {booking.staff.name}"
        if booking.status != Booking.Status.CONFIRMED:
            details += f" · {self.status_labels.get(booking.status, booking.status)}"
        return format_html(
            '<li class="calendar-entry calendar-entry--{}"><a href="{}">{} {}</a><br>'
            '<span class="muted">{}</span></li>',
            booking.status, self.booking_url.format(booking.pk), self._span(booking.starts_at, booking.ends_at),
            booking.client.name, details)

    def session(self, entry: CalendarSession) -> SafeString:
        session = entry.session
        fill = self.cancelled if session.is_cancelled else _("%(taken)s of %(capacity)s") % {
            "taken": session.seats_taken, "capacity": session.capacity}
        clients = format_html_join("", '<li><a href="{}">{}</a>{}{}</li>', (
            (self.booking_url.format(booking.pk), booking.client.name,
             f" ×{booking.seats}" if booking.seats > 1 else "",
             format_html(' <span class="muted">{}</span>', self.status_labels.get(booking.status, booking.status))
             if booking.status != Booking.Status.CONFIRMED else "")
            for booking in entry.bookings))
        return format_html(
            '<li class="calendar-entry calendar-entry--session{}">{} <strong>{}</strong>{}<br>'
            '<span class="muted">{}</span>{}</li>',
            " calendar-entry--cancelled" if session.is_cancelled else "",
            self._span(session.starts_at, session.ends_at),
            self._service(session.service), f" · {session.location}" if session.location else "", fill,
            format_html("<ul>{}</ul>", clients) if entry.bookings else "")

    def entries(self, *, sessions=(), appointments=(), show_staff: bool = False) -> SafeString:
        """One list's items: the sessions, then the appointments (each already in time order)."""
        parts = [self.session(entry) for entry in sessions]
        parts += [self.appointment(booking, show_staff=show_staff) for booking in appointments]
        return mark_safe("".join(parts))  # noqa: S308 - every part is built by format_html
