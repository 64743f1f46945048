"""The back office's pages: members of the organisation only. Views translate HTTP to selector and service
calls and back; refusals from services become messages, and nothing is changed."""

from __future__ import annotations

import datetime as dt
from functools import wraps
from urllib.parse import urlencode

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from allot.errors import ApplicationError, NotFoundError
from booking_core.acting import Actor
from booking_core.backoffice.exports import bookings_csv_rows
from booking_core.backoffice.forms import AttendanceForm, BookingFilterForm, CancelForm, RescheduleForm
from booking_core.selectors.bookings import (
    booking_get_for_operator,
    booking_history_for_operator,
    booking_notifications_for_operator,
    bookings_for_operator,
    dead_notifications_count_for_operator,
)
from booking_core.selectors.catalogue import services_for_clients, services_for_operator, staff_for_operator
from booking_core.selectors.sessions import sessions_for_operator
from booking_core.services import bookings as booking_services
from booking_core.waitlist.selectors.entries import offer_get_for_operator, offers_prepared_for_operator
from booking_core.waitlist.services.offers import offer_release
from public_site.pages import public_page, tenant_zone
from tenants.permissions import membership_role

PAGE_SIZE = 50
TODAY_OFFERS = 50


def office_page(view):
    """Every back office page: anonymous visitors are sent to sign in; to anyone signed in who is not a member
    of this organisation (a member of another one included) the back office does not exist here (404); no
    cache keeps what a member saw."""

    @public_page
    @wraps(view)
    def page(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        role = membership_role(user=request.user, tenant=request.tenant)
        if role is None:
            raise Http404("Not a member of this organisation.")
        request.office_role = role
        response = view(request, *args, **kwargs)
        patch_cache_control(response, private=True, no_store=True)
        return response

    return page


def _actor(request) -> Actor:
    return Actor.operator(request.user)


def _local_day_bounds(day: dt.date, zone) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


# --- home and today ---------------------------------------------------------------------------------------


@office_page
def office_home(request):
    unconfirmed = EmailAddress.objects.filter(user=request.user, primary=True, verified=False).first()
    return render(request, "backoffice/home.html", {
        "tenant": request.tenant,
        "nav": "home",
        "has_services": bool(services_for_clients()),
        "unconfirmed_email": unconfirmed.email if unconfirmed else None,
    })


@office_page
@require_GET
def office_today(request):
    zone = tenant_zone(request.tenant)
    today = timezone.now().astimezone(zone).date()
    start, end = _local_day_bounds(today, zone)
    bookings = list(bookings_for_operator(starts_from=start, starts_until=end, order="start"))
    sessions = list(sessions_for_operator(starts_from=start, starts_until=end))
    return render(request, "backoffice/today.html", {
        "tenant": request.tenant, "nav": "today", "today": today, "now": timezone.now(),
        "appointments": [booking for booking in bookings if not booking.session_id],
        "group_bookings": [booking for booking in bookings if booking.session_id],
        "sessions": sessions,
        "prepared_offers": list(offers_prepared_for_operator()[:TODAY_OFFERS]),
        "dead_notifications": dead_notifications_count_for_operator(),
    })


@office_page
@require_POST
def office_offer_release(request, offer_id: int):
    """Send a prepared waitlist offer to its candidate (Today lists the offers waiting for this)."""
    offer = offer_get_for_operator(offer_id=offer_id)
    try:
        offer_release(offer=offer, actor=_actor(request))
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The offer is on its way to %(name)s.") % {"name": offer.entry.client.name})
    return redirect("office-today")


# --- bookings ---------------------------------------------------------------------------------------------


def _filtered_bookings(request):
    """(form, queryset or None): the bookings the list's filters select; None when the filters are invalid."""
    form = BookingFilterForm(request.GET or None, services=services_for_operator(), staff=staff_for_operator())
    if request.GET and not form.is_valid():
        return form, None
    data = form.cleaned_data if request.GET else {}
    zone = tenant_zone(request.tenant)
    starts_from = _local_day_bounds(data["date_from"], zone)[0] if data.get("date_from") else None
    starts_until = _local_day_bounds(data["date_to"], zone)[1] if data.get("date_to") else None
    return form, bookings_for_operator(
        status=data.get("status") or None, service_id=data.get("service"), staff_id=data.get("staff"),
        source=data.get("source") or None, client_query=data.get("q"),
        starts_from=starts_from, starts_until=starts_until, order=data.get("order") or "-start",
    )


@office_page
@require_GET
def bookings_list(request):
    form, bookings = _filtered_bookings(request)
    context = {"tenant": request.tenant, "nav": "bookings", "form": form}
    if bookings is None:
        return render(request, "backoffice/bookings_list.html", context, status=400)
    page = Paginator(bookings, PAGE_SIZE).get_page(request.GET.get("page"))
    query = {key: value for key, value in request.GET.items() if key != "page" and value}
    return render(request, "backoffice/bookings_list.html",
                  {**context, "page": page, "query": urlencode(query), "csv_query": urlencode(query)})


@office_page
@require_GET
def bookings_csv(request):
    form, bookings = _filtered_bookings(request)
    if bookings is None:
        return render(request, "backoffice/bookings_list.html",
                      {"tenant": request.tenant, "nav": "bookings", "form": form}, status=400)
    zone = tenant_zone(request.tenant)
    response = StreamingHttpResponse(bookings_csv_rows(bookings, zone), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().astimezone(zone).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="bookings-{request.tenant.slug}-{stamp}.csv"'
    return response


@office_page
@require_GET
def booking_detail(request, booking_id: int):
    booking = booking_get_for_operator(booking_id=booking_id)
    return render(request, "backoffice/booking_detail.html", {
        "tenant": request.tenant, "nav": "bookings", "booking": booking,
        "history": list(booking_history_for_operator(booking_id=booking.pk)),
        "notifications": list(booking_notifications_for_operator(booking_id=booking.pk)),
        "cancel_form": CancelForm(),
        "reschedule_form": RescheduleForm(initial={"date": timezone.localtime(booking.starts_at).date(),
                                                   "time": timezone.localtime(booking.starts_at).time()}),
        "can_record_attendance": booking.status in {"confirmed", "attended", "no_show"}
        and booking.starts_at <= timezone.now(),
    })


def _booking_action(request, booking_id: int, act) -> object:
    """Run `act(booking)` (a service call); a refusal becomes an error message and changes nothing."""
    booking = booking_get_for_operator(booking_id=booking_id)
    try:
        message = act(booking)
    except NotFoundError:
        raise
    except ApplicationError as error:
        messages.error(request, str(error.message))
        for problems in error.fields.values():
            for problem in problems:
                messages.error(request, problem)
    else:
        messages.success(request, message)
    if request.POST.get("back") == "today":
        return redirect("office-today")
    return redirect("office-booking", booking_id=booking.pk)


@office_page
@require_POST
def booking_cancel(request, booking_id: int):
    form = CancelForm(request.POST)

    def act(booking):
        if not form.is_valid():
            raise ApplicationError(_("The reason is too long."))
        booking_services.booking_cancel(tenant=request.tenant, booking=booking, actor=_actor(request),
                                        reason=form.cleaned_data["reason"])
        return _("The booking is cancelled; the client is told by email.")

    return _booking_action(request, booking_id, act)


@office_page
@require_POST
def booking_attendance(request, booking_id: int):
    form = AttendanceForm(request.POST)

    def act(booking):
        if not form.is_valid():
            raise ApplicationError(_("Choose attended or no-show."))
        attended = form.cleaned_data["attended"]
        booking_services.booking_mark_attendance(booking=booking, attended=attended, actor=_actor(request))
        return _("Marked as attended.") if attended else _("Marked as a no-show.")

    return _booking_action(request, booking_id, act)


@office_page
@require_POST
def booking_confirm(request, booking_id: int):
    def act(booking):
        booking_services.booking_confirm(booking=booking, actor=_actor(request))
        return _("The booking is confirmed; the client is told by email.")

    return _booking_action(request, booking_id, act)


@office_page
@require_POST
def booking_reschedule(request, booking_id: int):
    form = RescheduleForm(request.POST)
    zone = tenant_zone(request.tenant)

    def act(booking):
        if not form.is_valid():
            raise ApplicationError(_("Give the new date and time."))
        moved = booking_services.booking_reschedule(tenant=request.tenant, booking=booking,
                                                    starts_at=form.starts_at(zone), actor=_actor(request))
        when = moved.starts_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        return _("The booking is moved to %(when)s; the client is told by email.") % {"when": when}

    return _booking_action(request, booking_id, act)
