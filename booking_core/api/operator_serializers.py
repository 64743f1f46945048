"""What operators send and see. Serializers only parse and present; writes go through services."""

from __future__ import annotations

from rest_framework import serializers

from booking_core.api.fields import BoundedDateField, BoundedPrimaryKeyRelatedField, TenantDateTimeField, count_field
from booking_core.models import (
    AvailabilityOverride,
    Booking,
    Client,
    FormField,
    Service,
    Session,
    StaffMember,
    TimeOff,
    WorkingHours,
)


class ServiceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Service
        exclude = []
        read_only_fields = ["created_at", "updated_at"]
        # Model validation (full_clean in the service) reports uniqueness with the same field names.
        extra_kwargs = {"slug": {"validators": []}}


class FormFieldSerializer(serializers.ModelSerializer):
    class Meta:
        model = FormField
        exclude = ["service"]


class StaffSerializer(serializers.ModelSerializer):
    services = BoundedPrimaryKeyRelatedField(many=True, queryset=Service.objects.all(), required=False)

    class Meta:
        model = StaffMember
        fields = ["id", "name", "email", "is_active", "services", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class WorkingHoursSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkingHours
        fields = ["id", "weekday", "start_time", "end_time"]


class OverrideSerializer(serializers.ModelSerializer):
    class Meta:
        model = AvailabilityOverride
        fields = ["id", "date", "start_time", "end_time"]


class TimeOffSerializer(serializers.ModelSerializer):
    class Meta:
        model = TimeOff
        fields = ["id", "starts_at", "ends_at", "reason"]


class SessionSerializer(serializers.ModelSerializer):
    seats_free = serializers.IntegerField(read_only=True)
    ends_at = TenantDateTimeField(required=False)

    class Meta:
        model = Session
        fields = ["id", "service", "starts_at", "ends_at", "capacity", "location", "seats_booked", "seats_held",
                  "seats_free", "accepted_overbooking", "is_cancelled", "recurrence_key", "created_at"]
        read_only_fields = ["seats_booked", "seats_held", "accepted_overbooking", "is_cancelled", "recurrence_key",
                            "created_at"]


class SessionUpdateSerializer(serializers.Serializer):
    location = serializers.CharField(max_length=200, allow_blank=True)


class WeeklySessionsSerializer(serializers.Serializer):
    service = BoundedPrimaryKeyRelatedField(queryset=Service.objects.all())
    first_date = BoundedDateField()
    last_date = BoundedDateField()
    weekdays = serializers.ListField(child=serializers.IntegerField(min_value=0, max_value=6), min_length=1)
    start_time = serializers.TimeField()
    capacity = count_field()
    location = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CapacitySerializer(serializers.Serializer):
    capacity = count_field()
    keep_existing_bookings = serializers.BooleanField(default=False)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class AttendanceSerializer(serializers.Serializer):
    attended = serializers.BooleanField()


class ClientSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Client
        fields = ["id", "name", "email", "phone", "preferred_language"]


class OperatorBookingSerializer(serializers.ModelSerializer):
    client = ClientSummarySerializer()
    service_name = serializers.CharField(source="service.__str__")
    staff_name = serializers.CharField(source="staff.name", default=None)

    class Meta:
        model = Booking
        fields = ["id", "status", "source", "service", "service_name", "session", "staff", "staff_name", "client",
                  "seats", "language", "starts_at", "ends_at", "answers", "cancellation_reason", "cancelled_by",
                  "created_at", "confirmed_at", "cancelled_at"]
