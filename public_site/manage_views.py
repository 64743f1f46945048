"""Pages behind the secret links in emails: see a booking, add it to a calendar, confirm, cancel, move.

Links in emails only ever show a page; changes need a POST from that page, so mail scanners that follow
links cannot cancel or move anything. The pages speak the booking's language unless the visitor picked
another one. Cancelling and moving are offered only while self-service allows it; otherwise the page says
why and how to reach the organisation.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from allot.errors import ApplicationError
from booking_core.acting import Actor
from booking_core.errors import CutoffPassedError, SelfServiceDisabledError, SlotTakenError
from booking_core.messages.ics import booking_ics
from booking_core.models import Booking
from booking_core.selectors.bookings import booking_get_by_token
from booking_core.selectors.feeds import feed_for_client
from booking_core.selectors.public_pages import (
    bookable_range,
    next_free_start_times,
    start_time_get,
    start_times_by_day,
)
from booking_core.services.bookings import (
    booking_can_self_serve,
    booking_cancel,
    booking_client_confirm_attendance,
    booking_reschedule,
)
from booking_core.services.feeds import feed_issue
from public_site.calendar import month_calendar
from public_site.forms import MonthForm, StartForm, start_parameter
from public_site.languages import site_url, use_language
from public_site.pages import link_action_page, public_page, secret_link_page
from tenants.links import tenant_url

NOTICES = {"cancelled", "rescheduled", "accepted", "feed"}


def _booking(request, token: str) -> Booking:
    """The booking behind the link (404 otherwise), with the page switched to its language."""
    booking = booking_get_by_token(token=token)
    use_language(request, hint=booking.language)
    return booking


def _page(request, booking: Booking, template: str, status: int = 200, **extra):
    tenant = request.tenant
    context = {
        "booking": booking,
        "service": booking.service,
        "service_name": booking.service.translated("name"),
        "can_self_serve": booking_can_self_serve(tenant=tenant, booking=booking),
        "self_service_on": booking.service.self_service_enabled(tenant),
        "can_reschedule": booking.staff_id is not None,
        **extra,
    }
    return render(request, template, context, status=status)


def _manage_url(booking: Booking, **query) -> str:
    return site_url("booking-manage", booking.manage_token, **query)


@secret_link_page
@public_page
def booking_manage(request, token: str):
    booking = _booking(request, token)
    notice = request.GET.get("done")
    feed = feed_for_client(client_id=booking.client_id)
    return _page(request, booking, "public_site/manage/booking.html", notice=notice if notice in NOTICES else None,
                 client_feed_url=tenant_url(request.tenant, f"/feeds/{feed.token}.ics") if feed else None)


@secret_link_page
@public_page
@link_action_page
@require_http_methods(["POST"])
def booking_client_feed(request, token: str):
    """The client's subscription to all of their bookings: given on first request, a new address on reset."""
    booking = _booking(request, token)
    feed_issue(actor=Actor.client(booking.client.email), kind="client", client=booking.client,
               reset=request.POST.get("reset") == "1")
    return redirect(_manage_url(booking, done="feed") + "#calendar-feed")


@secret_link_page
@public_page
def booking_calendar(request, token: str):
    booking = _booking(request, token)
    tenant = request.tenant
    ics = booking_ics(booking, tenant, cancelled=not booking.is_live,
                      manage_url=tenant_url(tenant, f"/b/{booking.manage_token}/"))
    response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="booking-{booking.pk}.ics"'
    return response


@secret_link_page
@public_page
@link_action_page
@require_http_methods(["GET", "POST"])
def booking_cancel_page(request, token: str):
    booking = _booking(request, token)
    if request.method == "POST":
        try:
            booking_cancel(tenant=request.tenant, booking=booking, actor=Actor.client(booking.client.email))
        except ApplicationError as error:
            return _page(request, booking, "public_site/manage/cancel.html", error=error.message)
        return redirect(_manage_url(booking, done="cancelled"))
    return _page(request, booking, "public_site/manage/cancel.html")


@secret_link_page
@public_page
@link_action_page
@require_http_methods(["GET", "POST"])
def booking_confirm_attendance_page(request, token: str):
    booking = _booking(request, token)
    if request.method == "POST":
        try:
            booking = booking_client_confirm_attendance(booking=booking)
        except ApplicationError as error:
            return _page(request, booking, "public_site/manage/confirm.html", error=error.message)
        return _page(request, booking, "public_site/manage/confirm.html", confirmed=True)
    return _page(request, booking, "public_site/manage/confirm.html")


# --- moving an appointment ------------------------------------------------------------------------------


def _reschedule_staff_id(booking: Booking) -> int | None:
    """Whose times are offered: the same person when the client chose them, anyone free otherwise."""
    return booking.staff_id if booking.service.staff_choice_enabled else None


def _reschedule_calendar(request, booking: Booking, selected: dt.date | None):
    service, zone = booking.service, request.tenant.zone
    first, last = bookable_range(service=service, zone=zone)
    if selected is not None and not first <= selected <= last:
        selected = None
    month = selected.replace(day=1) if selected else MonthForm(request.GET).first_day(default=first)
    month = min(max(month, first.replace(day=1)), last.replace(day=1))
    month_end = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    times = start_times_by_day(service=service, zone=zone, date_from=month, date_to=month_end,
                               staff_id=_reschedule_staff_id(booking), ignore_booking_id=booking.pk)
    token = booking.manage_token
    calendar = month_calendar(
        first_day=month, bookable=set(times), selected=selected, first_month=first, last_month=last,
        day_url=lambda day: site_url("booking-reschedule", token, day=day.isoformat()),
        month_url=lambda first_of_month: site_url("booking-reschedule", token, month=first_of_month.strftime("%Y-%m")),
    )
    start_times = [
        {"start": start, "url": site_url("booking-reschedule", token, start=start_parameter(start.starts_at),
                                         staff=_staff_for(booking, start.staff_ids))}
        for start in times.get(selected, [])
        if start.starts_at != booking.starts_at or booking.staff_id not in start.staff_ids
    ]
    return calendar, start_times


def _staff_for(booking: Booking, staff_ids) -> int:
    """Keep the booking's staff member when they are free then; otherwise the first one who is."""
    return booking.staff_id if booking.staff_id in staff_ids else staff_ids[0]


def _parse_day(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


@secret_link_page
@public_page
@link_action_page
@require_http_methods(["GET", "POST"])
def booking_reschedule_page(request, token: str):
    """Pick another day and time for an appointment, confirm, and the booking moves (same service)."""
    booking = _booking(request, token)
    tenant = request.tenant
    if booking.staff_id is None or not booking_can_self_serve(tenant=tenant, booking=booking):
        refused_status = 403 if request.method == "POST" else 200
        return _page(request, booking, "public_site/manage/reschedule.html", status=refused_status, refused=True)
    target = StartForm(request.POST if request.method == "POST" else request.GET)
    if target.is_valid():
        staff_id = target.cleaned_data.get("staff") or booking.staff_id
        staff = next((member for member in booking.service.staff_members.all() if member.pk == staff_id), None)
        starts_at = target.cleaned_data["start"]
        if staff is not None and request.method == "POST":
            return _reschedule(request, booking, starts_at, staff)
        if staff is not None and start_time_get(service=booking.service, zone=tenant.zone, starts_at=starts_at,
                                                staff_id=staff.pk, ignore_booking_id=booking.pk):
            return _page(request, booking, "public_site/manage/reschedule_confirm.html", starts_at=starts_at,
                         ends_at=starts_at + dt.timedelta(minutes=booking.service.duration_minutes), new_staff=staff)
        return _reschedule_taken(request, booking, starts_at)
    calendar, start_times = _reschedule_calendar(request, booking, _parse_day(request.GET.get("day")))
    return _page(request, booking, "public_site/manage/reschedule.html", calendar=calendar, start_times=start_times,
                 selected_day=_parse_day(request.GET.get("day")))


def _reschedule(request, booking: Booking, starts_at: dt.datetime, staff):
    try:
        booking_reschedule(tenant=request.tenant, booking=booking, starts_at=starts_at,
                           staff=None if staff.pk == booking.staff_id else staff,
                           actor=Actor.client(booking.client.email))
    except SlotTakenError as error:
        return _reschedule_taken(request, booking, starts_at, message=error.message)
    except (SelfServiceDisabledError, CutoffPassedError) as error:
        return _page(request, booking, "public_site/manage/reschedule.html", status=403, refused=True,
                     error=error.message)
    except ApplicationError as error:
        return _page(request, booking, "public_site/manage/reschedule.html", status=400, refused=True,
                     error=error.message)
    return redirect(_manage_url(booking, done="rescheduled"))


def _reschedule_taken(request, booking: Booking, starts_at: dt.datetime, message: str = ""):
    alternatives = next_free_start_times(service=booking.service, zone=request.tenant.zone, after=starts_at,
                                         staff_id=_reschedule_staff_id(booking), ignore_booking_id=booking.pk)
    token = booking.manage_token
    return _page(request, booking, "public_site/manage/reschedule_taken.html", status=409, message=message,
                 starts_at=starts_at, alternatives=[
                     {"start": start, "url": site_url("booking-reschedule", token,
                                                      start=start_parameter(start.starts_at),
                                                      staff=_staff_for(booking, start.staff_ids))}
                     for start in alternatives])
