"""What clients send and see: services, slots, sessions, bookings by manage token."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from booking_core.api.fields import NAIVE_TIME_RULE, TenantDateTimeField, count_field, id_field
from booking_core.models import Booking, FormField, Service, Session
from booking_core.selectors.sessions import availability_label
from tenants.models import LANGUAGE_CHOICES


class PriceSerializer(serializers.Serializer):
    amount = serializers.IntegerField(help_text="Minor units (cents); 0 is free.")
    currency = serializers.CharField()


class ChoiceSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()


class QuestionSerializer(serializers.Serializer):
    key = serializers.CharField()
    type = serializers.CharField(source="field_type")
    required = serializers.BooleanField()
    label = serializers.SerializerMethodField()
    help = serializers.SerializerMethodField()
    choices = serializers.SerializerMethodField()

    def get_label(self, field: FormField) -> str:
        return field.label()

    def get_help(self, field: FormField) -> str:
        return field.help_text()

    @extend_schema_field(ChoiceSerializer(many=True))
    def get_choices(self, field: FormField) -> list[dict]:
        return [{"value": value, "label": field.choice_label(value)} for value in field.choice_values()]


class StaffChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PublicServiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    kind = serializers.CharField()
    name = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField()
    duration_minutes = serializers.IntegerField()
    price = serializers.SerializerMethodField()
    max_seats_per_booking = serializers.IntegerField()
    staff_choice_enabled = serializers.BooleanField()
    staff = serializers.SerializerMethodField()
    form = QuestionSerializer(source="form_fields", many=True)

    def get_name(self, service: Service) -> str:
        return service.translated("name")

    def get_description(self, service: Service) -> str:
        return service.translated("description")

    @extend_schema_field(PriceSerializer)
    def get_price(self, service: Service) -> dict:
        return {"amount": service.price_amount, "currency": service.price_currency}

    @extend_schema_field(StaffChoiceSerializer(many=True))
    def get_staff(self, service: Service) -> list[dict]:
        if not (service.is_individual and service.staff_choice_enabled):
            return []
        return [{"id": member.pk, "name": member.name} for member in service.staff_members.all()]


class SlotSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    staff_id = serializers.IntegerField()


class PublicSessionSerializer(serializers.ModelSerializer):
    seats_free = serializers.IntegerField(read_only=True)
    availability = serializers.SerializerMethodField()

    class Meta:
        model = Session
        fields = ["id", "starts_at", "ends_at", "location", "capacity", "seats_free", "availability"]

    def get_availability(self, session: Session) -> str:
        return availability_label(session)


class ClientInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField()
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class BookingCreateSerializer(serializers.Serializer):
    service = id_field(help_text="Service id.")
    session = id_field(required=False, help_text="Group services: the session id.")
    starts_at = TenantDateTimeField(required=False, help_text="Individual services: the slot start. " + NAIVE_TIME_RULE)
    staff = id_field(required=False, help_text="Individual services: a staff member, if allowed.")
    seats = count_field(default=1)
    client = ClientInputSerializer()
    answers = serializers.DictField(required=False, default=dict)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False)
    idempotency_key = serializers.CharField(max_length=100, required=False,
                                            help_text="Or the Idempotency-Key header: resubmissions return the "
                                                      "first booking.")


class RescheduleSerializer(serializers.Serializer):
    starts_at = TenantDateTimeField(help_text=NAIVE_TIME_RULE)
    staff = id_field(required=False)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class AnswerSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.JSONField()


class PublicBookingSerializer(serializers.Serializer):
    """A plain Serializer: ModelSerializer rebuilds its fields from the model on every instance."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    service = serializers.IntegerField(source="service_id")
    service_name = serializers.SerializerMethodField()
    session = serializers.IntegerField(source="session_id", allow_null=True)
    staff = serializers.IntegerField(source="staff_id", allow_null=True)
    staff_name = serializers.CharField(source="staff.name", default=None)
    location = serializers.CharField(source="session.location", default=None)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    seats = serializers.IntegerField()
    language = serializers.CharField()
    client_name = serializers.CharField(source="client.name")
    answers = AnswerSerializer(many=True)
    can_self_serve = serializers.SerializerMethodField()
    cancellation_reason = serializers.CharField()
    manage_token = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_service_name(self, booking: Booking) -> str:
        return booking.service.translated("name", booking.language)

    def get_can_self_serve(self, booking: Booking) -> bool:
        from booking_core.services.bookings import booking_can_self_serve

        return booking_can_self_serve(tenant=self.context["tenant"], booking=booking)
