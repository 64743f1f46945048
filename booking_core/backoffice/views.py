"""The back office's pages: members of the organisation only. Views translate HTTP to selector and service
calls and back; refusals from services become messages, and nothing is changed."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from allot.errors import ApplicationError, NotFoundError
from booking_core.acting import Actor
from booking_core.backoffice.access import MANAGERS, is_manager, office_page
from booking_core.backoffice.booking_rows import BOOKING_ROW_FIELDS, BookingRows
from booking_core.backoffice.calendar_views import week_figures_context
from booking_core.backoffice.exports import bookings_csv_rows
from booking_core.backoffice.forms import (
    AttendanceForm,
    BookingFilterForm,
    CancelForm,
    DayOfferForm,
    FiguresPeriodForm,
    RescheduleForm,
)
from booking_core.selectors.bookings import (
    booking_get_for_operator,
    booking_history_for_operator,
    booking_notifications_for_operator,
    bookings_for_operator,
    dead_notifications_count_for_operator,
)
from booking_core.selectors.catalogue import (
    service_get_for_operator,
    services_for_clients,
    services_for_operator,
    staff_for_operator,
)
from booking_core.selectors.sessions import session_get_for_operator, sessions_for_operator
from booking_core.services import bookings as booking_services
from booking_core.waitlist.selectors.entries import (
    candidates_for_date,
    candidates_for_session,
    offer_get_for_operator,
    offers_prepared_for_operator,
    waitlist_entry_get_for_operator,
)
from booking_core.waitlist.selectors.figures import waitlist_figures
from booking_core.waitlist.selectors.queues import (
    day_queues_for_operator,
    offers_prepared_for_day,
    session_queues_for_operator,
)
from booking_core.waitlist.services import offers as offer_services
from public_site.pages import tenant_zone

PAGE_SIZE = 50
TODAY_OFFERS = 50


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
        **week_figures_context(request.tenant),
    })


@office_page
@require_GET
def office_today(request):
    zone = tenant_zone(request.tenant)
    today = timezone.now().astimezone(zone).date()
    start, end = _local_day_bounds(today, zone)
    bookings = list(bookings_for_operator(starts_from=start, starts_until=end, order="start",
                                          staff_ids=request.office_staff_ids).only(*BOOKING_ROW_FIELDS))
    # Staff see their own appointments; sessions, waitlist offers and undelivered messages are the managers'.
    manager = is_manager(request)
    sessions = list(sessions_for_operator(starts_from=start, starts_until=end)) if manager else []
    now = timezone.now()
    appointments = [booking for booking in bookings if not booking.session_id]
    group_bookings = [booking for booking in bookings if booking.session_id]
    rows = BookingRows(request)
    return render(request, "backoffice/today.html", {
        "tenant": request.tenant, "nav": "today", "today": today, "now": now,
        "appointments": appointments, "appointment_rows": rows.rows(appointments, attendance_at=now),
        "group_bookings": group_bookings, "group_booking_rows": rows.rows(group_bookings, attendance_at=now),
        "sessions": sessions, "is_manager": manager,
        "prepared_offers": list(offers_prepared_for_operator()[:TODAY_OFFERS]) if manager else [],
        "dead_notifications": dead_notifications_count_for_operator() if manager else 0,
    })


@office_page(roles=MANAGERS)
@require_POST
def office_offer_release(request, offer_id: int):
    """Send a prepared waitlist offer to its candidate (Today lists the offers waiting for this)."""
    offer = offer_get_for_operator(offer_id=offer_id)
    try:
        offer_services.offer_release(offer=offer, actor=_actor(request))
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The offer is on its way to %(name)s.") % {"name": offer.entry.client.name})
    return redirect("office-today")


# --- bookings ---------------------------------------------------------------------------------------------


def _filtered_bookings(request):
    """(form, queryset or None): the bookings the list's filters select; None when the filters are invalid."""
    staff = staff_for_operator()
    if request.office_staff_ids is not None:
        staff = [member for member in staff if member.pk in request.office_staff_ids]
    form = BookingFilterForm(request.GET or None, services=services_for_operator(), staff=staff)
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
        staff_ids=request.office_staff_ids,
    )


@office_page
@require_GET
def bookings_list(request):
    form, bookings = _filtered_bookings(request)
    context = {"tenant": request.tenant, "nav": "bookings", "form": form}
    if bookings is None:
        return render(request, "backoffice/bookings_list.html", context, status=400)
    page = Paginator(bookings.only(*BOOKING_ROW_FIELDS), PAGE_SIZE).get_page(request.GET.get("page"))
    query = {key: value for key, value in request.GET.items() if key != "page" and value}
    return render(request, "backoffice/bookings_list.html",
                  {**context, "page": page, "rows": BookingRows(request).rows(page.object_list),
                   "query": urlencode(query), "csv_query": urlencode(query)})


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
    booking = booking_get_for_operator(booking_id=booking_id, staff_ids=request.office_staff_ids)
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
    booking = booking_get_for_operator(booking_id=booking_id, staff_ids=request.office_staff_ids)
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
            raise ApplicationError(_("The reason is too long, or the refund is not a whole amount."))
        booking_services.booking_cancel(tenant=request.tenant, booking=booking, actor=_actor(request),
                                        reason=form.cleaned_data["reason"],
                                        refund_amount=form.cleaned_data["refund_amount"])
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


# --- waitlist and offers ----------------------------------------------------------------------------------


@office_page(roles=MANAGERS)
@require_GET
def waitlist_overview(request):
    """Upcoming sessions and appointment days with someone waiting or an offer open."""
    return render(request, "backoffice/waitlist.html", {
        "tenant": request.tenant, "nav": "waitlist",
        "sessions": session_queues_for_operator(), "days": day_queues_for_operator(),
    })


@office_page(roles=MANAGERS)
@require_GET
def waitlist_session(request, session_id: int):
    """A session's queue, ranked as offers are prepared (`candidates_for_session`), with its actions."""
    session = session_get_for_operator(session_id=session_id)
    rows = candidates_for_session(session)
    return render(request, "backoffice/waitlist_queue.html", {
        "tenant": request.tenant, "nav": "waitlist", "session": session, "service": session.service,
        "rows": rows, "has_prepared": any(row.open_offer and row.open_offer.status == "prepared" for row in rows),
        "release_all_url": reverse("office-waitlist-session-release", args=[session.pk]),
    })


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Http404("No such day.") from None


@office_page(roles=MANAGERS)
@require_GET
def waitlist_day(request, service_id: int, day: str):
    """An individual service's day: the entries waiting for it, ranked (`candidates_for_date`)."""
    service = service_get_for_operator(service_id=service_id)
    if service.is_group:
        raise Http404("Group services wait per session.")
    the_day = _day(day)
    rows = candidates_for_date(service=service, day=the_day)
    return render(request, "backoffice/waitlist_queue.html", {
        "tenant": request.tenant, "nav": "waitlist", "session": None, "service": service, "day": the_day,
        "rows": rows, "has_prepared": any(row.open_offer and row.open_offer.status == "prepared" for row in rows),
        "release_all_url": reverse("office-waitlist-day-release", args=[service.pk, the_day.isoformat()]),
        "offer_form": DayOfferForm(staff=staff_for_operator()),
    })


def _queue_of(offer) -> str:
    """The address of the queue an offer belongs to."""
    if offer.session_id:
        return reverse("office-waitlist-session", args=[offer.session_id])
    day = offer.starts_at.astimezone(tenant_zone(connection.tenant)).date()
    return reverse("office-waitlist-day", args=[offer.service_id, day.isoformat()])


def _refused(request, error: ApplicationError) -> None:
    messages.error(request, str(error.message))
    for problems in error.fields.values():
        for problem in problems:
            messages.error(request, problem)


def _offer_action(request, offer_id: int, act, done: str):
    offer = offer_get_for_operator(offer_id=offer_id)
    try:
        act(offer)
    except NotFoundError:
        raise
    except ApplicationError as error:
        _refused(request, error)
    else:
        messages.success(request, done % {"name": offer.entry.client.name})
    return redirect(_queue_of(offer))


@office_page(roles=MANAGERS)
@require_POST
def waitlist_offer_release(request, offer_id: int):
    return _offer_action(request, offer_id,
                         lambda offer: offer_services.offer_release(offer=offer, actor=_actor(request)),
                         _("The offer is on its way to %(name)s."))


@office_page(roles=MANAGERS)
@require_POST
def waitlist_offer_skip(request, offer_id: int):
    return _offer_action(request, offer_id,
                         lambda offer: offer_services.offer_skip(tenant=request.tenant, offer=offer,
                                                                 actor=_actor(request)),
                         _("%(name)s is skipped for this place and keeps waiting; the next candidate is up."))


@office_page(roles=MANAGERS)
@require_POST
def waitlist_offer_withdraw(request, offer_id: int):
    return _offer_action(request, offer_id,
                         lambda offer: offer_services.offer_withdraw(offer=offer, actor=_actor(request)),
                         _("The offer to %(name)s is withdrawn; they keep waiting."))


def _release_all(request, prepared, back: str):
    released, refused = offer_services.offers_release(offers=list(prepared), actor=_actor(request),
                                                      now=timezone.now())
    if released:
        messages.success(request, ngettext("%(count)d offer is on its way.", "%(count)d offers are on their way.",
                                           len(released)) % {"count": len(released)})
    for detail in refused.values():
        messages.error(request, detail)
    if not released and not refused:
        messages.info(request, _("No offer was waiting for release."))
    return redirect(back)


@office_page(roles=MANAGERS)
@require_POST
def waitlist_session_release(request, session_id: int):
    session = session_get_for_operator(session_id=session_id)
    return _release_all(request, offers_prepared_for_operator(session_id=session.pk),
                        reverse("office-waitlist-session", args=[session.pk]))


@office_page(roles=MANAGERS)
@require_POST
def waitlist_day_release(request, service_id: int, day: str):
    service = service_get_for_operator(service_id=service_id)
    the_day = _day(day)
    return _release_all(request, offers_prepared_for_day(service_id=service.pk, day=the_day),
                        reverse("office-waitlist-day", args=[service.pk, the_day.isoformat()]))


@office_page(roles=MANAGERS)
@require_POST
def waitlist_entry_offer(request, entry_id: int):
    """Offer a place by hand to a waiting candidate: the page's session, or a time and staff member on the
    entry's day (individual services); sent at once."""
    entry = waitlist_entry_get_for_operator(entry_id=entry_id)
    session = starts_at = staff_id = None
    if entry.service.is_group:
        session_id = request.POST.get("session") or entry.session_id
        session = session_get_for_operator(session_id=session_id) if session_id else None
        back = reverse("office-waitlist-session", args=[session.pk]) if session else reverse("office-waitlist")
    else:
        back = reverse("office-waitlist-day", args=[entry.service_id, entry.date_from.isoformat()])
        form = DayOfferForm(request.POST, staff=staff_for_operator())
        if not form.is_valid():
            for problems in form.errors.values():
                for problem in problems:
                    messages.error(request, problem)
            return redirect(back)
        zone = tenant_zone(request.tenant)
        starts_at = dt.datetime.combine(entry.date_from, form.cleaned_data["time"], tzinfo=zone)
        staff_id = form.cleaned_data["staff"]
    try:
        offer_services.offer_create_by_operator(tenant=request.tenant, entry=entry, session=session,
                                                starts_at=starts_at, staff_id=staff_id, actor=_actor(request))
    except NotFoundError:
        raise
    except ApplicationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("A place is offered to %(name)s; the offer is on its way.") % {
            "name": entry.client.name})
    return redirect(back)


FIGURES_DEFAULT_DAYS = 30


@office_page(roles=MANAGERS)
@require_GET
def waitlist_figures_page(request):
    """Revenue protection over a chosen period (offers prepared in it; local dates, both ends included):
    seats refilled, offers and their outcomes, time from a freed place to its booking, revenue won back."""
    zone = tenant_zone(request.tenant)
    today = timezone.now().astimezone(zone).date()
    data = request.GET if request.GET else None
    form = FiguresPeriodForm(data, initial={"date_from": today - dt.timedelta(days=FIGURES_DEFAULT_DAYS - 1),
                                            "date_to": today})
    context = {"tenant": request.tenant, "nav": "waitlist", "form": form}
    if data is None:
        date_from, date_to = form.initial["date_from"], form.initial["date_to"]
    elif form.is_valid():
        date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    else:
        return render(request, "backoffice/waitlist_figures.html", context, status=400)
    total, rows = waitlist_figures(since=_local_day_bounds(date_from, zone)[0],
                                   until=_local_day_bounds(date_to, zone)[1])
    return render(request, "backoffice/waitlist_figures.html", {
        **context, "date_from": date_from, "date_to": date_to, "total": total, "rows": rows})
