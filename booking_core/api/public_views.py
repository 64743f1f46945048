"""Public API: what the booking site and third-party widgets use. No login; manage links carry a token."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ParseError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from allot.errors import ApplicationError, NotFoundError
from billing.selectors.payments import payment_hold_deadline, service_bookable_online, service_needs_payment
from billing.services.payments import PaymentUnavailableError
from booking_core.acting import Actor
from booking_core.api import public_serializers as s
from booking_core.api.checkout import PayableBookingSerializer, payable_booking_data
from booking_core.api.fields import LATEST
from booking_core.api.query_params import date_param
from booking_core.errors import BookingError, BookingNotFoundError
from booking_core.models import Booking, Service, Session, StaffMember
from booking_core.public_limits import limit_creation, limit_link_action
from booking_core.selectors.availability import free_slots
from booking_core.selectors.bookings import booking_get_by_token
from booking_core.selectors.catalogue import service_get_for_clients, services_for_clients, staff_get_for_clients
from booking_core.selectors.sessions import session_get_for_clients, sessions_upcoming
from booking_core.services.bookings import (
    ClientDetails,
    booking_cancel,
    booking_create_group,
    booking_create_individual,
    booking_reschedule,
)

MAX_RANGE_DAYS = 62
DATE_RANGE_RULE = f"YYYY-MM-DD, 1900-01-01 to 2999-12-31; `to` at most {MAX_RANGE_DAYS} days after `from`."


class PaymentStartFailedError(PaymentUnavailableError):
    """Stripe could not be reached to open the Checkout Session (the hold is already released)."""

    status_code = 503


class PublicView(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    @property
    def tenant(self):
        return connection.tenant


def limit_posted_creation(request):
    """Count a creating request against the abuse limits: by address, and by the client's email address in its
    body. A body that does not parse counts by address, then gets its 400 (the parser's own message)."""
    try:
        data = request.data
    except ParseError:
        limit_creation(request, email=None)
        raise
    client = data.get("client") if isinstance(data, dict) else None
    return limit_creation(request, email=client.get("email") if isinstance(client, dict) else None)


def _date_range(request, tenant, *, default_days: int = 6) -> tuple[dt.date, dt.date]:
    """`from` and `to` (inclusive), at most MAX_RANGE_DAYS apart; `to` defaults to `default_days` after `from`."""
    today = timezone.now().astimezone(tenant.zone).date()
    date_from = date_param(request, "from", today)
    # The default end is clamped to the last date any parameter may name (no overflow past 9999-12-31).
    date_to = date_param(request, "to", min(date_from + dt.timedelta(days=default_days), LATEST))
    if date_to < date_from or (date_to - date_from).days > MAX_RANGE_DAYS:
        raise BookingError(_("Ask for at most %(days)d days, with `to` not before `from`.") % {"days": MAX_RANGE_DAYS},
                           fields={"to": [_("Out of range.")]})
    return date_from, date_to


class ServiceListView(PublicView, GenericAPIView):
    serializer_class = s.PublicServiceSerializer

    @extend_schema(summary="Bookable services (names in the Accept-Language language)",
                   operation_id="services_list")
    def get(self, request):
        page = self.paginate_queryset(services_for_clients())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class ServiceDetailView(PublicView):
    @extend_schema(summary="One bookable service with its booking form", operation_id="services_retrieve",
                   responses=s.PublicServiceSerializer)
    def get(self, request, service_id: int):
        return Response(s.PublicServiceSerializer(service_get_for_clients(service_id=service_id)).data)


class SlotListView(PublicView):
    @extend_schema(
        summary="Free appointment slots (individual services)",
        parameters=[OpenApiParameter("from", dt.date, description=DATE_RANGE_RULE),
                    OpenApiParameter("to", dt.date, description=DATE_RANGE_RULE),
                    OpenApiParameter("staff", int)],
        responses=s.SlotSerializer(many=True),
    )
    def get(self, request, service_id: int):
        service = service_get_for_clients(service_id=service_id)
        if not service.is_individual:
            raise BookingError(_("Group services are booked by session."), fields={"service": [_("Group service.")]})
        date_from, date_to = _date_range(request, self.tenant)
        staff_id = request.query_params.get("staff")
        if staff_id is not None and not (staff_id.isascii() and staff_id.isdigit()
                                         and service.staff_members.filter(pk=staff_id).exists()):
            raise BookingError(_("No such staff member for this service."), fields={"staff": [_("Unknown.")]})
        slots = free_slots(service=service, zone=self.tenant.zone, date_from=date_from, date_to=date_to,
                           staff_id=int(staff_id) if staff_id else None)
        return Response(s.SlotSerializer(slots, many=True).data)


class SessionListView(PublicView, GenericAPIView):
    serializer_class = s.PublicSessionSerializer

    @extend_schema(summary="Upcoming sessions with remaining seats (group services)",
                   parameters=[OpenApiParameter("from", dt.date, description=DATE_RANGE_RULE),
                    OpenApiParameter("to", dt.date, description=DATE_RANGE_RULE)])
    def get(self, request, service_id: int):
        service = service_get_for_clients(service_id=service_id)
        if not service.is_group:
            raise BookingError(_("Individual services are booked by slot."), fields={"service": [_("Not a group.")]})
        zone = self.tenant.zone
        date_from, date_to = _date_range(request, self.tenant, default_days=MAX_RANGE_DAYS)
        sessions = sessions_upcoming(
            service=service,
            date_from=dt.datetime.combine(date_from, dt.time(0), tzinfo=zone),
            date_to=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(0), tzinfo=zone),
        )
        page = self.paginate_queryset(sessions)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def client_language(requested: str | None, tenant) -> str:
    """The language a booking is made (and later emailed) in: asked for, else the page's, if the tenant offers it."""
    for candidate in (requested, (translation.get_language() or "")[:2]):
        if candidate in tenant.enabled_languages:
            return candidate
    return tenant.default_language


def chosen_session(service: Service, session_id, *, error: type[ApplicationError]) -> Session:
    """The session a client picked, as the booking site fetches it (upcoming, within the horizon, not
    cancelled); anything else is a 400 on the `session` field."""
    try:
        return session_get_for_clients(service=service, session_id=session_id)
    except NotFoundError:
        raise error(_("Pick an upcoming session of this service."),
                    fields={"session": [_("Unknown session.")]}) from None


def chosen_staff(service: Service, staff_id, *, error: type[ApplicationError]) -> StaffMember | None:
    """The staff member a client picked (None when none was), as the booking site fetches it; anything else
    is a 400 on the `staff` field."""
    if staff_id is None:
        return None
    try:
        return staff_get_for_clients(service=service, staff_id=staff_id)
    except NotFoundError:
        raise error(_("No such staff member for this service."), fields={"staff": [_("Unknown.")]}) from None


def _booking_response(request, booking: Booking, tenant, *, created: bool = False) -> Response:
    """The booking, with the Checkout Session to pay it while it awaits payment (booking_core.api.checkout: the
    same shape as an accepted waitlist offer's). Stripe unreachable: 503, the hold already released."""
    try:
        data = payable_booking_data(request, tenant=tenant, booking=booking)
    except PaymentUnavailableError as error:
        raise PaymentStartFailedError(error.message) from error
    return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class BookingCreateView(PublicView):
    rate_limited = True  # booking_core.public_limits

    @extend_schema(
        summary="Book an appointment or seats in a session",
        description=(
            "A service with a price is paid online when the organisation takes payments: the booking is created "
            "with status `pending_payment`, holds its seats or slot until `payment.due_at`, and "
            "`payment.checkout_url` is the Stripe Checkout page to send the client to (`payment.return_url` shows "
            "the payment's state afterwards). Stripe's webhook confirms it once paid; a hold that runs out unpaid "
            "is cancelled and its place freed. `payment` is null for a booking that does not await payment. A "
            "paid service of an organisation that cannot take payments is refused (400 `payment_unavailable`); "
            "when Stripe cannot be reached the hold is released at once (503 `payment_unavailable`)."),
        request=s.BookingCreateSerializer, responses={201: PayableBookingSerializer})
    def post(self, request):
        creation = limit_posted_creation(request)
        serializer = s.BookingCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        service = service_get_for_clients(service_id=data["service"])
        client = ClientDetails(**data["client"])
        common = {
            "tenant": self.tenant, "client": client, "answers": data["answers"],
            "language": client_language(data.get("language"), self.tenant),
            "source": Booking.Source.API if request.headers.get("X-Allot-Source") == "api" else Booking.Source.WEB,
            "idempotency_key": data.get("idempotency_key") or request.headers.get("Idempotency-Key"),
            "actor": Actor.client(client.email),
        }
        # A priced service follows the booking site's paid path: held while the client pays on Stripe Checkout.
        if not service_bookable_online(tenant=self.tenant, service=service):
            raise PaymentUnavailableError(_("This service cannot be booked online at the moment: the organisation "
                                            "does not take online payments yet. Please contact them to book."),
                                          fields={"service": [_("Not bookable online.")]})
        if service_needs_payment(tenant=self.tenant, service=service):
            common["payment_due_at"] = payment_hold_deadline(timezone.now())
        if service.is_group:
            session = chosen_session(service, data.get("session"), error=BookingError)
            booking = booking_create_group(session=session, seats=data["seats"], **common)
        else:
            if "starts_at" not in data:
                raise BookingError(_("Pick a time."), fields={"starts_at": [_("Required.")]})
            staff = chosen_staff(service, data.get("staff"), error=BookingError)
            booking = booking_create_individual(service=service, starts_at=data["starts_at"], staff=staff, **common)
        creation.created()
        # A booking awaiting payment gets its Checkout Session after its commit (a repeated submission, the same).
        return _booking_response(request, booking, self.tenant, created=True)


class ManageBookingView(PublicView):
    @extend_schema(summary="A booking, by the secret token of its manage link (with its Checkout while it awaits "
                           "payment)", responses=PayableBookingSerializer)
    def get(self, request, token: str):
        return _booking_response(request, booking_get_by_token(token=token), self.tenant)


class ManageCancelView(PublicView):
    rate_limited = True  # booking_core.public_limits

    @extend_schema(summary="Cancel a booking by its manage token (self-service rules apply)",
                   request=s.CancelSerializer, responses=PayableBookingSerializer)
    def post(self, request, token: str):
        limit_link_action(request)
        booking = booking_get_by_token(token=token)
        serializer = s.CancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        booking = booking_cancel(tenant=self.tenant, booking=booking, actor=Actor.client(booking.client.email),
                                 reason=serializer.validated_data["reason"])
        return _booking_response(request, booking_get_by_token(token=token), self.tenant)


class ManageRescheduleView(PublicView):
    rate_limited = True  # booking_core.public_limits

    @extend_schema(summary="Move an appointment by its manage token (self-service rules apply)",
                   request=s.RescheduleSerializer, responses=PayableBookingSerializer)
    def post(self, request, token: str):
        limit_link_action(request)
        booking = booking_get_by_token(token=token)
        serializer = s.RescheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        staff = None
        if serializer.validated_data.get("staff") is not None:
            staff = StaffMember.objects.filter(pk=serializer.validated_data["staff"], services=booking.service).first()
            if staff is None:
                raise BookingNotFoundError(_("No such staff member for this service."))
        booking_reschedule(tenant=self.tenant, booking=booking, starts_at=serializer.validated_data["starts_at"],
                           staff=staff, actor=Actor.client(booking.client.email))
        return _booking_response(request, booking_get_by_token(token=token), self.tenant)
