"""Book for a client: an operator picks a service, then a session (group) or a staff member and time
(appointment), the client (an existing one by email, or a new one) and the answers. Through the operator
services (booking_core.services.operator_bookings): self-service limits lifted, capacity never, unless the
operator ticks "accept overbooking", which is recorded."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from allot.errors import ApplicationError, NotFoundError
from billing.services.operator_payments import payment_choice_default
from booking_core.acting import Actor
from booking_core.backoffice.access import MANAGERS, office_page
from booking_core.backoffice.office_forms import BookForClientForm
from booking_core.models import Session
from booking_core.selectors.catalogue import service_get_for_operator, services_for_operator, staff_get_for_operator
from booking_core.selectors.clients import client_get_for_operator
from booking_core.selectors.sessions import session_get_for_operator
from booking_core.services.bookings import ClientDetails
from booking_core.services.operator_bookings import (
    booking_create_for_client_appointment,
    booking_create_for_client_in_session,
)

SESSIONS_OFFERED = 200


@office_page(roles=MANAGERS)
@require_GET
def booking_new(request):
    """Step one: the service (active ones)."""
    client_id = request.GET.get("client")
    return render(request, "backoffice/booking_new.html", {
        "tenant": request.tenant, "nav": "bookings",
        "services": [service for service in services_for_operator() if service.is_active],
        "client_query": f"?client={int(client_id)}" if client_id and client_id.isdigit() else "",
    })


def _language(request) -> str:
    language = (get_language() or "en")[:2]
    return language if language in {"en", "hu", "de"} else "en"


def _upcoming_sessions(service) -> list[Session]:
    return list(Session.objects.filter(service=service, is_cancelled=False, starts_at__gte=timezone.now())
                .select_related("service").order_by("starts_at", "id")[:SESSIONS_OFFERED])


@office_page(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def booking_new_for_service(request, service_id: int):
    """Step two: when, who and the answers; a refusal shows the form again with the problem next to its field."""
    service = service_get_for_operator(service_id=service_id)
    if not service.is_active:
        raise NotFoundError("No such service.")
    language = _language(request)
    form_options = {"service": service, "questions": service.form_fields.order_by("position", "id"),
                    "language": language}
    if service.is_group:
        form_options["sessions"] = _upcoming_sessions(service)
    else:
        form_options["staff"] = list(service.staff_members.filter(is_active=True).order_by("name", "id"))
    if request.method == "GET":
        initial = {"language": language, "seats": 1, "request_key": secrets.token_urlsafe(16),
                   "payment": payment_choice_default(tenant=request.tenant, service=service)}
        client_id = request.GET.get("client")
        if client_id:
            try:
                known = client_get_for_operator(client_id=client_id)
            except NotFoundError:
                known = None
            if known is not None:
                initial |= {"name": known.name, "email": known.email, "phone": known.phone,
                            "language": known.preferred_language}
        session_id = request.GET.get("session")
        if session_id and session_id.isdigit():
            initial["session"] = int(session_id)
        form = BookForClientForm(initial=initial, **form_options)
        return _render(request, service, form)
    form = BookForClientForm(request.POST, **form_options)
    if not form.is_valid():
        return _render(request, service, form, status=400)
    data = form.cleaned_data
    client = ClientDetails(name=data["name"], email=data["email"], phone=data.get("phone") or "")
    actor = Actor.operator(request.user)
    key = f"office:{request.user.pk}:{data['request_key']}" if data.get("request_key") else None
    try:
        if service.is_group:
            session = session_get_for_operator(session_id=data["session"])
            if session.service_id != service.pk:
                raise NotFoundError("No such session.")
            booking = booking_create_for_client_in_session(
                tenant=request.tenant, session=session, seats=data["seats"], client=client, answers=form.answers(),
                language=data["language"], allow_overbooking=data["allow_overbooking"], idempotency_key=key,
                actor=actor, payment=data.get("payment"))
        else:
            staff = staff_get_for_operator(staff_id=data["staff"]) if data.get("staff") else None
            booking = booking_create_for_client_appointment(
                tenant=request.tenant, service=service, starts_at=form.starts_at(request.tenant.zone), staff=staff,
                client=client, answers=form.answers(), language=data["language"], idempotency_key=key, actor=actor,
                payment=data.get("payment"))
    except NotFoundError:
        form.add_error("session" if service.is_group else "staff", _("Choose one of the list."))
        return _render(request, service, form, status=400)
    except ApplicationError as error:
        form.add_service_errors(error.fields)
        form.add_error(None, str(error.message))
        return _render(request, service, form, status=400)
    if booking.overbooked_seats:
        messages.warning(request, _("Booked with %(seats)d seat(s) beyond the capacity: the overbooking is "
                                    "recorded.") % {"seats": booking.overbooked_seats})
    if booking.status == booking.Status.PENDING_PAYMENT:
        messages.success(request, _("The booking is held until it is paid; the payment link is on its way to the "
                                    "client by email."))
    else:
        messages.success(request, _("The booking is made; the client is told by email."))
    return redirect("office-booking", booking_id=booking.pk)


def _render(request, service, form, status=200):
    return render(request, "backoffice/booking_new_form.html", {
        "tenant": request.tenant, "nav": "bookings", "service": service, "form": form}, status=status)
