"""Operator API: catalogue, staff and availability, sessions, bookings. Members (session login) or API keys."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.response import Response

from booking_core.api import operator_serializers as s
from booking_core.api.fields import NAIVE_TIME_RULE
from booking_core.api.permissions import EVERY_ROLE, IsOperator, operator_actor, operator_staff_ids
from booking_core.api.query_params import datetime_param, int_param, text_param
from booking_core.errors import BookingError
from booking_core.models import (
    AvailabilityOverride,
    Booking,
    FormField,
    Service,
    Session,
    StaffMember,
    TimeOff,
    WorkingHours,
)
from booking_core.selectors.bookings import bookings_for_operator
from booking_core.services import bookings as booking_services
from booking_core.services import catalogue, sessions
from tenants.api_keys import ApiKeyAuthentication


class OperatorViewSet(viewsets.GenericViewSet):
    """Create, update and delete call services; the serializer only validates the input."""

    lookup_value_regex = r"\d+"
    authentication_classes = [ApiKeyAuthentication, SessionAuthentication]
    permission_classes = [IsOperator]

    @property
    def actor(self):
        return operator_actor(self.request)

    def create_record(self, data: dict):
        raise NotImplementedError

    def update_record(self, instance, data: dict):
        raise NotImplementedError

    def delete_record(self, instance):
        raise NotImplementedError

    def perform_create(self, serializer):
        serializer.instance = self.create_record(dict(serializer.validated_data))

    def perform_update(self, serializer):
        serializer.instance = self.update_record(serializer.instance, dict(serializer.validated_data))

    def perform_destroy(self, instance):
        self.delete_record(instance)


class CrudViewSet(OperatorViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                  mixins.UpdateModelMixin, mixins.DestroyModelMixin):
    """OperatorViewSet comes first so that its perform_* (services) win over the mixins' (serializer.save)."""


class ServiceViewSet(CrudViewSet):
    serializer_class = s.ServiceSerializer
    queryset = Service.objects.order_by("position", "id")

    def create_record(self, data):
        return catalogue.service_create(actor=self.actor, **data)

    def update_record(self, instance, data):
        return catalogue.service_update(service=instance, actor=self.actor, **data)

    def delete_record(self, instance):
        catalogue.service_delete(service=instance, actor=self.actor)


class FormFieldViewSet(CrudViewSet):
    """The questions of one service's booking form, in order."""

    serializer_class = s.FormFieldSerializer
    queryset = FormField.objects.none()

    def parent(self) -> Service:
        return get_object_or_404(Service, pk=self.kwargs["service_id"])

    def get_queryset(self):
        return FormField.objects.filter(service=self.parent()).order_by("position", "id")

    def create_record(self, data):
        return catalogue.form_field_create(service=self.parent(), actor=self.actor, **data)

    def update_record(self, instance, data):
        return catalogue.form_field_update(field=instance, actor=self.actor, **data)

    def delete_record(self, instance):
        catalogue.form_field_delete(field=instance, actor=self.actor)


def _staff_in_scope(request):
    """Staff members the caller reaches: everyone, or for a staff member only their own (others are 404s)."""
    staff = StaffMember.objects.all()
    own = operator_staff_ids(request)
    return staff if own is None else staff.filter(pk__in=own)


class StaffViewSet(CrudViewSet):
    """Staff members; a member with the staff role reads their own record (their calendar), nothing else."""

    serializer_class = s.StaffSerializer
    open_to_staff_members = True

    def get_queryset(self):
        return _staff_in_scope(self.request).prefetch_related("services").order_by("name", "id")

    def create_record(self, data):
        return catalogue.staff_create(actor=self.actor, **data)

    def update_record(self, instance, data):
        return catalogue.staff_update(staff=instance, actor=self.actor, **data)

    def delete_record(self, instance):
        catalogue.staff_delete(staff=instance, actor=self.actor)


class StaffChildViewSet(CrudViewSet):
    """Working hours, overrides, time off: a staff member reads their own calendar's; managers change them."""

    open_to_staff_members = True

    def parent(self) -> StaffMember:
        return get_object_or_404(_staff_in_scope(self.request), pk=self.kwargs["staff_id"])


class WorkingHoursViewSet(StaffChildViewSet):
    serializer_class = s.WorkingHoursSerializer
    queryset = WorkingHours.objects.none()

    def get_queryset(self):
        return WorkingHours.objects.filter(staff=self.parent()).order_by("weekday", "start_time")

    def create_record(self, data):
        return catalogue.working_hours_create(staff=self.parent(), actor=self.actor, **data)

    def update_record(self, instance, data):
        return catalogue.working_hours_update(hours=instance, actor=self.actor, **data)

    def delete_record(self, instance):
        catalogue.working_hours_delete(hours=instance, actor=self.actor)


class OverrideViewSet(StaffChildViewSet):
    serializer_class = s.OverrideSerializer
    queryset = AvailabilityOverride.objects.none()
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self):
        return AvailabilityOverride.objects.filter(staff=self.parent()).order_by("date", "start_time")

    def create_record(self, data):
        return catalogue.override_create(staff=self.parent(), actor=self.actor, **data)

    def delete_record(self, instance):
        catalogue.override_delete(override=instance, actor=self.actor)


class TimeOffViewSet(StaffChildViewSet):
    serializer_class = s.TimeOffSerializer
    queryset = TimeOff.objects.none()
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self):
        return TimeOff.objects.filter(staff=self.parent()).order_by("starts_at")

    def create_record(self, data):
        return catalogue.time_off_create(staff=self.parent(), actor=self.actor, **data)

    def delete_record(self, instance):
        catalogue.time_off_delete(time_off=instance, actor=self.actor)


class SessionViewSet(OperatorViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin):
    serializer_class = s.SessionSerializer

    @extend_schema(parameters=[
        OpenApiParameter("service", int), OpenApiParameter("from", dt.datetime, description=NAIVE_TIME_RULE),
        OpenApiParameter("to", dt.datetime, description=NAIVE_TIME_RULE),
    ])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        queryset = Session.objects.select_related("service").order_by("starts_at", "id")
        if self.action == "list":
            service_id = int_param(self.request, "service")
            starts_from = datetime_param(self.request, "from")
            starts_until = datetime_param(self.request, "to")
            if service_id:
                queryset = queryset.filter(service_id=service_id)
            if starts_from:
                queryset = queryset.filter(starts_at__gte=starts_from)
            if starts_until:
                queryset = queryset.filter(starts_at__lt=starts_until)
        return queryset

    def create_record(self, data):
        return sessions.session_create(actor=self.actor, **data)

    @extend_schema(request=s.SessionUpdateSerializer, responses=s.SessionSerializer)
    def partial_update(self, request, pk=None):
        data = self._valid(s.SessionUpdateSerializer)
        session = sessions.session_update(session=self.get_object(), actor=self.actor, location=data["location"])
        return Response(s.SessionSerializer(session).data)

    @extend_schema(request=s.WeeklySessionsSerializer, responses=s.SessionSerializer(many=True))
    @action(detail=False, methods=["post"])
    def weekly(self, request):
        """Create a session on chosen weekdays between two dates, at a local time."""
        data = self._valid(s.WeeklySessionsSerializer)
        created = sessions.sessions_create_weekly(zone=connection.tenant.zone, actor=self.actor, **data)
        return Response(s.SessionSerializer(created, many=True).data, status=201)

    @extend_schema(request=s.CapacitySerializer, responses=s.SessionSerializer)
    @action(detail=True, methods=["post"])
    def capacity(self, request, pk=None):
        """Raise or lower capacity; below the seats taken only with keep_existing_bookings=true."""
        data = self._valid(s.CapacitySerializer)
        session = sessions.session_change_capacity(session=self.get_object(), actor=self.actor, **data)
        return Response(s.SessionSerializer(session).data)

    @extend_schema(request=s.ReasonSerializer, responses=s.SessionSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Call the session off; every live booking is cancelled with the reason."""
        data = self._valid(s.ReasonSerializer)
        session = sessions.session_cancel(tenant=connection.tenant, session=self.get_object(), actor=self.actor,
                                          reason=data["reason"])
        return Response(s.SessionSerializer(session).data)

    def _valid(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class BookingViewSet(OperatorViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Bookings of this organisation. Staff members reach their own calendar's bookings (another's is a 404) and
    may cancel, confirm and record attendance there."""

    serializer_class = s.OperatorBookingSerializer
    write_roles = EVERY_ROLE
    open_to_staff_members = True

    @extend_schema(parameters=[
        OpenApiParameter("status", str, enum=Booking.Status.values), OpenApiParameter("service", int),
        OpenApiParameter("session", int), OpenApiParameter("staff", int), OpenApiParameter("client_email", str),
        OpenApiParameter("from", dt.datetime, description=NAIVE_TIME_RULE),
        OpenApiParameter("to", dt.datetime, description=NAIVE_TIME_RULE),
    ])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        own = operator_staff_ids(self.request)
        if self.action != "list":
            return bookings_for_operator(staff_ids=own)
        status = self.request.query_params.get("status")
        if status and status not in Booking.Status.values:
            raise BookingError(_("Unknown status."), fields={"status": [_("Unknown status.")]})
        return bookings_for_operator(
            status=status, service_id=int_param(self.request, "service"),
            session_id=int_param(self.request, "session"), staff_id=int_param(self.request, "staff"),
            client_email=text_param(self.request, "client_email"),
            starts_from=datetime_param(self.request, "from"), starts_until=datetime_param(self.request, "to"),
            staff_ids=own,
        )

    def _respond(self, booking):
        return Response(s.OperatorBookingSerializer(bookings_for_operator().get(pk=booking.pk)).data)

    @extend_schema(request=s.ReasonSerializer, responses=s.OperatorBookingSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        serializer = s.ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        booking = booking_services.booking_cancel(tenant=connection.tenant, booking=self.get_object(),
                                                  actor=self.actor, reason=serializer.validated_data["reason"])
        return self._respond(booking)

    @extend_schema(request=s.AttendanceSerializer, responses=s.OperatorBookingSerializer)
    @action(detail=True, methods=["post"])
    def attendance(self, request, pk=None):
        serializer = s.AttendanceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        booking = booking_services.booking_mark_attendance(
            booking=self.get_object(), attended=serializer.validated_data["attended"], actor=self.actor)
        return self._respond(booking)

    @extend_schema(request=None, responses=s.OperatorBookingSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._respond(booking_services.booking_confirm(booking=self.get_object(), actor=self.actor))
