"""The booking form, its review and the confirmation: the last steps of both flows.

One address per choice (`/s/<service>/book/?start=…&staff=…` or `?session=…&seats=…`) shows the
service's own form (GET), then the review (POST step=review; every value travels on as a hidden field),
then books (POST step=confirm) and redirects to the confirmation page. Nothing is kept on the server
between the steps. The form's idempotency key makes a double submit return the first booking.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_http_methods

from allot.errors import ApplicationError
from billing.selectors.payments import payment_hold_deadline, service_bookable_online, service_needs_payment
from booking_core.acting import Actor
from booking_core.errors import BookingError, CapacityError, SlotTakenError
from booking_core.models import Booking, Service, Session, StaffMember
from booking_core.selectors.bookings import booking_get_by_token
from booking_core.selectors.catalogue import service_get_for_clients, staff_get_for_clients
from booking_core.selectors.public_pages import (
    StartTime,
    next_free_start_times,
    start_time_get,
)
from booking_core.selectors.sessions import availability_label, session_get_for_clients
from booking_core.services.answers import answers_validate
from booking_core.services.bookings import ClientDetails, booking_create_group, booking_create_individual
from booking_core.waitlist.selectors.entries import waitlist_expected_position
from public_site.forms import BookingForm, SessionSeatsForm, StartForm, start_parameter
from public_site.languages import site_url
from public_site.pages import created, creation_page, public_page, secret_link_page
from public_site.payment_views import ONLINE_PAYMENT_UNAVAILABLE, payment_redirect


@dataclass
class Choice:
    """What the client picked before the form: a start time (and maybe who), or a session and seats."""

    service: Service
    starts_at: dt.datetime
    ends_at: dt.datetime
    staff: StaffMember | None = None
    session: Session | None = None
    seats: int = 1
    query: dict = field(default_factory=dict)

    @property
    def total_price(self) -> int:
        return self.service.price_amount * self.seats


def _choice(request, service: Service) -> Choice | None:
    """The choice in the query string, or None when it is malformed (the client starts over)."""
    if service.is_group:
        form = SessionSeatsForm(request.GET)
        if not form.is_valid():
            return None
        session = session_get_for_clients(service=service, session_id=form.cleaned_data["session"])
        seats = form.cleaned_data["seats"]
        return Choice(service=service, starts_at=session.starts_at, ends_at=session.ends_at, session=session,
                      seats=seats, query={"session": session.pk, "seats": seats})
    form = StartForm(request.GET)
    if not form.is_valid():
        return None
    staff = None
    staff_id = form.cleaned_data.get("staff")
    if staff_id is not None:
        if not service.staff_choice_enabled:
            return None
        staff = staff_get_for_clients(service=service, staff_id=staff_id)
    starts_at = form.cleaned_data["start"]
    return Choice(service=service, starts_at=starts_at,
                  ends_at=starts_at + dt.timedelta(minutes=service.duration_minutes), staff=staff,
                  query={"start": start_parameter(starts_at), "staff": staff.pk if staff else None})


def _page(request, template: str, choice: Choice, status: int = 200, **context):
    return render(request, template, {"service": choice.service, "choice": choice, **context}, status=status)


def _form_page(request, choice: Choice, form: BookingForm, *, error: str = "", status: int = 200):
    return _page(request, "public_site/booking_form.html", choice, form=form, error=error, step="details",
                 status=status)


def _time_taken_page(request, choice: Choice, form: BookingForm | None, message: str = ""):
    """The chosen time went to someone else: say so and offer the next free times (keeping the answers)."""
    staff_id = choice.staff.pk if choice.staff else None
    alternatives = next_free_start_times(service=choice.service, zone=request.tenant.zone, after=choice.starts_at,
                                         staff_id=staff_id)
    if not alternatives and staff_id is not None:  # nobody else's time is better than no time at all
        staff_id = None
        alternatives = next_free_start_times(service=choice.service, zone=request.tenant.zone,
                                             after=choice.starts_at)
    return _page(request, "public_site/time_taken.html", choice, status=409, form=form, message=message, step="time",
                 starts_at=choice.starts_at, alternatives=[
                     {"start": start, "url": site_url("public-book", choice.service.slug,
                                                      start=start_parameter(start.starts_at), staff=staff_id)}
                     for start in alternatives])


def _still_available(request, choice: Choice) -> StartTime | Session | None:
    if choice.session is not None:
        return choice.session if choice.session.seats_free >= choice.seats else None
    return start_time_get(service=choice.service, zone=request.tenant.zone, starts_at=choice.starts_at,
                          staff_id=choice.staff.pk if choice.staff else None)


def _seats_page(request, choice: Choice, message: str = ""):
    """The session has fewer free seats than asked for (or none): say so honestly."""
    session = choice.session
    return _page(request, "public_site/session_unavailable.html", choice, status=409, session=session,
                 availability=availability_label(session), message=message, step="seats",
                 waitlist_position=None if session.seats_free else waitlist_expected_position(session))


@public_page
@creation_page(counts=lambda request: request.POST.get("step") == "confirm")
@require_http_methods(["GET", "POST"])
def book_page(request, slug: str):
    service = service_get_for_clients(slug=slug)
    choice = _choice(request, service)
    if choice is None:
        return redirect(site_url("public-service", slug))
    language = request.LANGUAGE_CODE
    if request.method == "GET":
        if _still_available(request, choice) is None:
            return _seats_page(request, choice) if choice.session else _time_taken_page(request, choice, None)
        # A paid service of an organisation that cannot take payments yet: say so before the client types.
        unavailable = "" if service_bookable_online(tenant=request.tenant, service=service) \
            else str(ONLINE_PAYMENT_UNAVAILABLE)
        return _form_page(request, choice, BookingForm(service=service, language=language), error=unavailable)

    form = BookingForm(request.POST, service=service, language=language)
    step = request.POST.get("step", "review")
    if step == "edit" or not form.is_valid():
        return _form_page(request, choice, form)
    try:
        answers = answers_validate(service=service, answers=form.answers(), language=language)
    except BookingError as error:
        return _form_page(request, choice, form, error=" ".join(form.add_service_errors(error.fields)))
    if step != "confirm":
        if _still_available(request, choice) is None:
            return _seats_page(request, choice) if choice.session else _time_taken_page(request, choice, form)
        return _page(request, "public_site/booking_review.html", choice, form=form, answers=_shown(answers),
                     step="review")
    return _book(request, choice, form)


def _shown(answers: list[dict]) -> list[dict]:
    """The answers' snapshot with dates written the page language's way."""
    shown = []
    for answer in answers:
        if answer["type"] == "date" and "display" not in answer:
            answer = {**answer, "display": date_format(dt.date.fromisoformat(answer["value"]), "DATE_FORMAT")}
        shown.append(answer)
    return shown


def _book(request, choice: Choice, form: BookingForm):
    data = form.cleaned_data
    client = ClientDetails(name=data["name"], email=data["email"], phone=data.get("phone") or "")
    common = {"tenant": request.tenant, "client": client, "answers": form.answers(),
              "language": request.LANGUAGE_CODE, "idempotency_key": data["idempotency_key"],
              "actor": Actor.client(client.email)}
    if not service_bookable_online(tenant=request.tenant, service=choice.service):
        return _form_page(request, choice, form, error=str(ONLINE_PAYMENT_UNAVAILABLE), status=400)
    if service_needs_payment(tenant=request.tenant, service=choice.service):
        common["payment_due_at"] = payment_hold_deadline(timezone.now())
    try:
        if choice.session is not None:
            booking = booking_create_group(session=choice.session, seats=choice.seats, **common)
        else:
            booking = booking_create_individual(service=choice.service, starts_at=choice.starts_at,
                                                staff=choice.staff, **common)
    except SlotTakenError as error:
        return _time_taken_page(request, choice, form, message=error.message)
    except CapacityError as error:
        choice.session.refresh_from_db(fields=["seats_booked", "seats_held", "capacity"])
        return _seats_page(request, choice, message=error.message)
    except ApplicationError as error:
        if choice.session is None and "starts_at" in error.fields:
            # The time passed the service's notice while the client was on the review page: it is as gone as a
            # time someone else took, and the next free times are the way on.
            return _time_taken_page(request, choice, form, message=error.message)
        if "starts_at" in error.fields:  # the session came within the notice: the message says it all
            return _form_page(request, choice, form, error=str(error.message), status=400)
        unplaced = form.add_service_errors(error.fields)
        return _form_page(request, choice, form, error=" ".join([str(error.message), *unplaced]), status=400)
    created(request)
    if booking.status == Booking.Status.PENDING_PAYMENT:
        return payment_redirect(request, booking)
    return redirect(site_url("booking-done", booking.manage_token))


@secret_link_page
@public_page
def booking_done(request, token: str):
    """The confirmation page the booking form leads to."""
    booking = booking_get_by_token(token=token)
    return render(request, "public_site/booking_done.html", {
        "booking": booking, "service": booking.service, "service_name": booking.service.translated("name"),
    })
