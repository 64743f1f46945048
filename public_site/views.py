"""The booking site's browsing pages: the root landing page, a tenant's home, and the steps up to the
booking form (date, time, who, session, seats).

Views only translate: parse the query string with a form, call selectors, render.
"""

from __future__ import annotations

import datetime as dt
import html

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import SafeString, mark_safe

from booking_core.errors import BookingNotFoundError
from booking_core.models import Service
from booking_core.selectors.catalogue import service_get_for_clients, services_for_clients
from booking_core.selectors.public_pages import (
    bookable_range,
    month_availability,
    next_free_start_times,
    programmes_not_closed,
    programmes_open_at,
    sessions_for_clients,
    start_time_get,
    waitlist_expected_positions,
)
from booking_core.selectors.sessions import availability_label, session_get_for_clients
from booking_core.waitlist.selectors.entries import waitlist_expected_position
from public_site.calendar import month_calendar
from public_site.forms import LaterSessionsForm, MonthForm, SeatsForm, StaffFilterForm, StartForm, start_parameter
from public_site.languages import is_customer, site_query_builder, site_url, site_url_builder
from public_site.page_cache import cached_page, kept_for_tenant, service_scope, staff_scope
from public_site.pages import public_page
from public_site.templatetags.public_site import local_time
from tenants.logos import content_type_for

SESSIONS_PER_PAGE = 20
# Booking links carry secrets and the booking steps are per visitor: crawlers have nothing to find there.
ROBOTS_TXT = ("User-agent: *\nDisallow: /b/\nDisallow: /o/\nDisallow: /w/\nDisallow: /programmes/\nDisallow: /admin/\n"
              "Disallow: /accounts/\nDisallow: /api/\n")


def robots_txt(request):
    """A plain view on purpose: no template, no database (also the benchmark's baseline view)."""
    return HttpResponse(ROBOTS_TXT, content_type="text/plain; charset=utf-8")


@public_page
@cached_page()
def landing(request):
    return render(request, "public_site/landing.html")


def _catalogue_only(request) -> list[str]:
    """The home page shows the catalogue and the open programmes, nothing a booking changes: it is retired
    only by changes to the whole tenant's pages."""
    return []


@public_page
@cached_page(scopes=_catalogue_only)
def tenant_home(request):
    services = services_for_clients()
    return render(request, "public_site/tenant_home.html", {
        "individual_services": [service for service in services if service.is_individual],
        "group_services": [service for service in services if service.is_group],
        # Kept between requests: only a change that retires every page changes it; the clock picks the open ones.
        "programmes": programmes_open_at(kept_for_tenant("programmes_not_closed", programmes_not_closed)),
    })


def _parse_day(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        raise Http404("Not a date.") from None


def _chosen_staff(service: Service, request) -> int | None:
    """The staff member the client filtered by (?staff=), if the service lets clients choose and serves with them."""
    form = StaffFilterForm(request.GET)
    staff_id = form.cleaned_data.get("staff") if form.is_valid() else None
    if staff_id is None or not service.staff_choice_enabled:
        return None
    if not any(member.pk == staff_id for member in service.staff_members.all()):
        raise Http404("No such staff member.")
    return staff_id


def _service_page_scopes(request, slug: str, day: str | None = None) -> list[str] | None:
    """A service's page shows its own bookings and sessions and its staff members' time (which bookings of other
    services they serve take too): it is retired by changes in those scopes only."""
    try:
        service = service_get_for_clients(slug=slug)
    except BookingNotFoundError:
        return None  # a 404, not kept
    return [service_scope(service.pk), *(staff_scope(member.pk) for member in service.staff_members.all())]


@public_page
@cached_page(query=("month", "staff", "after"),  # MonthForm, StaffFilterForm, LaterSessionsForm
             scopes=_service_page_scopes)
def service_page(request, slug: str, day: str | None = None):
    """A service: for appointments, the month of bookable days (and a chosen day's times); for group
    services, the upcoming sessions."""
    service = service_get_for_clients(slug=slug)
    if service.is_group:
        if day is not None:
            raise Http404("Group services are booked by session.")
        return _sessions_page(request, service)
    return _calendar_page(request, service, _parse_day(day))


def _calendar_page(request, service: Service, selected: dt.date | None):
    tenant = request.tenant
    zone = tenant.zone
    staff_id = _chosen_staff(service, request)
    first, last = bookable_range(service=service, zone=zone)
    if selected is not None and not first <= selected <= last:
        selected = None
    month = selected.replace(day=1) if selected else MonthForm(request.GET).first_day(default=first)
    month = min(max(month, first.replace(day=1)), last.replace(day=1))
    month_end = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    availability = month_availability(service=service, zone=zone, date_from=month, date_to=month_end,
                                      selected=selected, staff_id=staff_id)
    day_link = site_url_builder("public-service-day", service.slug, staff=staff_id)
    calendar = month_calendar(
        first_day=month, bookable=availability.free_days, selected=selected, first_month=first, last_month=last,
        # Booked-out working days lead to the day page too: it offers the day's waitlist.
        full=availability.booked_out_days,
        day_url=lambda day: day_link(day.isoformat()),
        month_url=lambda first_of_month: site_url("public-service", service.slug,
                                                 month=first_of_month.strftime("%Y-%m"), staff=staff_id),
    )
    start_times = []
    if availability.day_times:
        after_time_url = _after_time_url_builder(service, staff_id)
        for start in availability.day_times:
            url = after_time_url(start)
            start_times.append({"start": start, "url": url, "html": _time_link_html(url, start.starts_at)})
    staff_members = list(service.staff_members.all())
    return render(request, "public_site/service_individual.html", {
        "service": service, "calendar": calendar, "selected_day": selected, "start_times": start_times,
        "staff_members": staff_members if service.staff_choice_enabled and len(staff_members) > 1 else [],
        "staff_id": staff_id, "month_param": month.strftime("%Y-%m"), "step": "time" if selected else "date",
        # A day without free times can still be waited for.
        "waitlist_url": site_url("public-waitlist-join-day", service.slug, selected.isoformat(), staff=staff_id)
        if selected and not start_times else None,
    })


def _time_link_html(url: str, starts_at: dt.datetime) -> SafeString:
    """A free time's item on the day page. Written here rather than in the template: a day lists a dozen times,
    and the template loop with its filters was a noticeable part of the day page's cost. html.escape is what
    django.utils.html.escape does, without its lazy-string wrapper."""
    return mark_safe(  # noqa: S308 - every value is escaped
        f'<li><a class="button button--secondary" href="{html.escape(url)}" '
        f'data-start="{html.escape(start_parameter(starts_at))}">{html.escape(local_time(starts_at))}</a></li>')


def _after_time_url_builder(service: Service, staff_id: int | None):
    """_after_time_url for a day's many times: each of its two addresses is reversed once, not once per time."""
    to_staff = site_query_builder("public-service-staff", service.slug, first="start")
    to_form = site_query_builder("public-book", service.slug, first="start", staff=staff_id)
    choose = staff_id is None and service.staff_choice_enabled

    def url(start) -> str:
        builder = to_staff if choose and len(start.staff_ids) > 1 else to_form
        return builder(start_parameter(start.starts_at))

    return url


def _after_time_url(service: Service, start, staff_id: int | None) -> str:
    """After a time: the staff step when the client may choose among several, else the booking form."""
    if staff_id is None and service.staff_choice_enabled and len(start.staff_ids) > 1:
        return site_url("public-service-staff", service.slug, start=start_parameter(start.starts_at))
    return site_url("public-book", service.slug, start=start_parameter(start.starts_at), staff=staff_id)


@public_page
def staff_page(request, slug: str):
    """Who serves the client at the chosen time, for services that let clients choose."""
    service = service_get_for_clients(slug=slug)
    form = StartForm(request.GET)
    if not service.is_individual or not form.is_valid():
        return redirect(site_url("public-service", slug))
    starts_at = form.cleaned_data["start"]
    start = start_time_get(service=service, zone=request.tenant.zone, starts_at=starts_at)
    if start is None:
        return _time_taken(request, service, starts_at)
    if not service.staff_choice_enabled or len(start.staff_ids) == 1:
        return redirect(site_url("public-book", slug, start=start_parameter(starts_at)))
    free = [member for member in service.staff_members.all() if member.pk in start.staff_ids]
    return render(request, "public_site/staff_choice.html", {
        "service": service, "start": start, "staff_members": free, "start_param": start_parameter(starts_at),
        "day": starts_at.astimezone(request.tenant.zone).date(), "step": "time",
    })


def _time_taken(request, service: Service, starts_at):
    alternatives = next_free_start_times(service=service, zone=request.tenant.zone, after=starts_at)
    return render(request, "public_site/time_taken.html", {
        "service": service, "starts_at": starts_at, "step": "time",
        "alternatives": [{"start": start, "url": _after_time_url(service, start, None)} for start in alternatives],
    }, status=409)


def _sessions_page(request, service: Service):
    form = LaterSessionsForm(request.GET)
    after = form.cleaned_data.get("after") if form.is_valid() else None
    sessions, more = sessions_for_clients(service=service, after_session_id=after, limit=SESSIONS_PER_PAGE)
    positions = waitlist_expected_positions(sessions=sessions)
    rows = [{"session": session, "availability": availability_label(session), "url": _session_url(service, session),
             "waitlist_position": positions.get(session.pk)} for session in sessions]
    return render(request, "public_site/service_group.html", {
        "service": service, "rows": rows, "step": "session",
        "later_url": site_url("public-service", service.slug, after=sessions[-1].pk) if more and sessions else None,
        "earlier_url": site_url("public-service", service.slug) if after else None,
    })


def _session_url(service: Service, session) -> str | None:
    """Where choosing a session leads: the seats step when there is a choice, else the booking form (a full
    session offers its waitlist instead)."""
    if session.seats_free == 0:
        return None
    if min(service.max_seats_per_booking, session.seats_free) > 1:
        return site_url("public-session", service.slug, session.pk)
    return site_url("public-book", service.slug, session=session.pk, seats=1)


@public_page
def session_page(request, slug: str, session_id: int):
    """How many seats, for a group session that has more than one free."""
    service = service_get_for_clients(slug=slug)
    if not service.is_group:
        raise Http404("Not a group service.")
    session = session_get_for_clients(service=service, session_id=session_id)
    max_seats = min(service.max_seats_per_booking, session.seats_free)
    return render(request, "public_site/session_seats.html", {
        "service": service, "session": session, "availability": availability_label(session),
        "form": SeatsForm(max_seats=max_seats) if max_seats else None, "step": "seats",
        "waitlist_position": None if max_seats else waitlist_expected_position(session),
    })


def tenant_logo(request):
    """The organisation's uploaded logo, served by the app itself (deployments serve no /media/ of their own).

    The address carries the tenant's last change, so the file can be cached for long and a new logo is a new
    address. Only files stored by tenants.services.tenant_logo_set (a re-encoded PNG, JPEG or WebP, named
    for its format) are served, with that format's type: a file stored otherwise (an SVG, HTML) never is.
    """
    tenant = getattr(request, "tenant", None)
    if not is_customer(tenant) or not tenant.logo:
        raise Http404("No logo.")
    content_type = content_type_for(tenant.logo.name)
    if content_type is None:
        raise Http404("No logo.")
    try:
        handle = tenant.logo.open("rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404("No logo.") from error
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    # Opened on its own, the file is an image and nothing else: no scripts, no requests, no same-origin rights.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
