"""Pages behind the secret links in emails: see a booking, add it to a calendar, confirm, cancel.

Links in emails only ever show a page; changes need a POST from that page, so mail scanners that follow
links cannot cancel anything.
"""

from __future__ import annotations

from django.db import connection
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from allot.errors import ApplicationError
from booking_core.actors import Actor
from booking_core.calendar import booking_ics
from booking_core.errors import BookingNotFoundError
from booking_core.selectors.bookings import booking_get_by_token
from booking_core.services.bookings import (
    booking_can_self_serve,
    booking_cancel,
    booking_client_confirm_attendance,
)
from tenants.links import tenant_url


def _booking(token: str):
    try:
        return booking_get_by_token(token=token)
    except BookingNotFoundError as error:
        raise Http404("No booking with this link.") from error


def _page(request, booking, template: str, **extra):
    tenant = connection.tenant
    context = {
        "booking": booking,
        "service_name": booking.service.translated("name"),
        "can_self_serve": booking_can_self_serve(tenant=tenant, booking=booking),
        "self_service_on": booking.service.self_service_enabled(tenant),
        **extra,
    }
    return render(request, template, context)


def booking_manage(request, token: str):
    return _page(request, _booking(token), "public_site/manage/booking.html")


def booking_calendar(request, token: str):
    booking = _booking(token)
    tenant = connection.tenant
    ics = booking_ics(booking, tenant, cancelled=not booking.is_live,
                      manage_url=tenant_url(tenant, f"/b/{booking.manage_token}/"))
    response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="booking-{booking.pk}.ics"'
    return response


@require_http_methods(["GET", "POST"])
def booking_cancel_page(request, token: str):
    booking = _booking(token)
    if request.method == "POST":
        try:
            booking_cancel(tenant=connection.tenant, booking=booking, actor=Actor.client(booking.client.email))
        except ApplicationError as error:
            return _page(request, booking, "public_site/manage/cancel.html", error=error.message)
        return redirect("booking-manage", token=token)
    return _page(request, booking, "public_site/manage/cancel.html")


@require_http_methods(["GET", "POST"])
def booking_confirm_attendance_page(request, token: str):
    booking = _booking(token)
    if request.method == "POST":
        try:
            booking = booking_client_confirm_attendance(booking=booking)
        except ApplicationError as error:
            return _page(request, booking, "public_site/manage/confirm.html", error=error.message)
        return _page(request, booking, "public_site/manage/confirm.html", confirmed=True)
    return _page(request, booking, "public_site/manage/confirm.html")
