"""What participants send and see: open programmes, sign-ups and their status, offers (names in their language)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from booking_core.api.checkout import CheckoutSerializer
from booking_core.api.fields import id_field
from booking_core.api.public_serializers import ClientInputSerializer, PriceSerializer, QuestionSerializer
from booking_core.programmes.models import PlaceOffer, Programme, ProgrammeGroup, SignUp
from booking_core.programmes.selectors import SignUpStatus
from tenants.models import LANGUAGE_CHOICES


class PublicProgrammeSessionSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class PublicProgrammeGroupSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()
    weekday = serializers.IntegerField()
    start_time = serializers.TimeField()
    duration_minutes = serializers.IntegerField()
    location = serializers.CharField()
    capacity = serializers.IntegerField()
    places_free = serializers.SerializerMethodField(
        help_text="Null while a batch programme has not allocated yet (everyone is still pending).")
    state = serializers.SerializerMethodField()
    sessions = serializers.SerializerMethodField()

    def get_name(self, group: ProgrammeGroup) -> str:
        return group.label()

    def get_places_free(self, group: ProgrammeGroup) -> int | None:
        return None if group.availability_for_clients == "allocated_at_close" else group.places_free

    @extend_schema_field(serializers.ChoiceField(choices=["open", "full", "allocated_at_close"]))
    def get_state(self, group: ProgrammeGroup) -> str:
        return group.availability_for_clients

    @extend_schema_field(PublicProgrammeSessionSerializer(many=True))
    def get_sessions(self, group: ProgrammeGroup) -> list[dict]:
        return PublicProgrammeSessionSerializer(group.sessions.all(), many=True).data


class PublicProgrammeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    signup_opens_at = serializers.DateTimeField()
    signup_closes_at = serializers.DateTimeField()
    price = serializers.SerializerMethodField()
    strategy = serializers.CharField()
    allocation_mode = serializers.CharField()
    groups = serializers.SerializerMethodField()

    def get_name(self, programme: Programme) -> str:
        return programme.translated("name")

    def get_description(self, programme: Programme) -> str:
        return programme.translated("description")

    @extend_schema_field(PriceSerializer)
    def get_price(self, programme: Programme) -> dict:
        return {"amount": programme.price_amount, "currency": programme.price_currency}

    @extend_schema_field(PublicProgrammeGroupSerializer(many=True))
    def get_groups(self, programme: Programme) -> list[dict]:
        return PublicProgrammeGroupSerializer(programme.live_groups, many=True, context={"programme": programme}).data


class PublicProgrammeDetailSerializer(PublicProgrammeSerializer):
    form = QuestionSerializer(source="form_fields", many=True)


class ProgrammeSignUpCreateSerializer(serializers.Serializer):
    client = ClientInputSerializer()
    attendees = serializers.ListField(
        child=serializers.CharField(max_length=200, allow_blank=True), required=False, default=list,
        help_text="Who takes part, if not the client (e.g. children). Empty: the client.")
    preferences = serializers.ListField(
        child=id_field(), required=False, allow_null=True, default=None, max_length=100,
        help_text="Group ids, best first. Empty or null: any group.")
    keep_together = serializers.BooleanField(default=True,
                                             help_text="Several attendees: place them in one group or none.")
    answers = serializers.DictField(required=False, default=dict)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False)


class NamedProgrammeGroupSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()

    def get_name(self, group: ProgrammeGroup) -> str:
        return group.label()


class PublicPlaceOfferSerializer(serializers.Serializer):
    token = serializers.CharField()
    status = serializers.CharField()
    programme = serializers.SerializerMethodField()
    group = NamedProgrammeGroupSerializer()
    sessions = serializers.SerializerMethodField()
    places = serializers.IntegerField()
    expires_at = serializers.DateTimeField()
    participants = serializers.SerializerMethodField()

    def get_programme(self, offer: PlaceOffer) -> str:
        return offer.programme.translated("name")

    @extend_schema_field(PublicProgrammeSessionSerializer(many=True))
    def get_sessions(self, offer: PlaceOffer) -> list[dict]:
        return PublicProgrammeSessionSerializer(offer.group.sessions.all(), many=True).data

    def get_participants(self, offer: PlaceOffer) -> list[str]:
        return [signup.participant_name for signup in offer.signups.select_related("client").order_by("id")]


class PayablePlaceOfferSerializer(PublicPlaceOfferSerializer):
    payment = CheckoutSerializer(
        allow_null=True, help_text="Set while the accepted offer awaits its online payment (a priced programme).")


class HouseholdMemberSerializer(serializers.Serializer):
    participant = serializers.CharField(source="participant_name")
    status = serializers.CharField()
    group = serializers.IntegerField(source="group_id", allow_null=True)


class ProgrammeSignUpStatusSerializer(serializers.Serializer):
    token = serializers.CharField(source="signup.token")
    status = serializers.CharField()
    status_label = serializers.SerializerMethodField()
    participant = serializers.CharField(source="signup.participant_name")
    programme = serializers.SerializerMethodField()
    group = serializers.SerializerMethodField()
    position = serializers.IntegerField(allow_null=True, help_text="On the waitlist, among those waiting for "
                                                                   "at least one of the same groups.")
    waiting_for = NamedProgrammeGroupSerializer(many=True)
    explanation = serializers.CharField()
    offer = serializers.SerializerMethodField()
    household = HouseholdMemberSerializer(many=True)
    created_at = serializers.DateTimeField(source="signup.created_at")

    def get_status_label(self, status: SignUpStatus) -> str:
        return str(SignUp.Status(status.signup.status).label)

    @extend_schema_field(NamedProgrammeGroupSerializer)
    def get_programme(self, status: SignUpStatus) -> dict:
        return {"id": status.signup.programme_id, "name": status.signup.programme.translated("name")}

    @extend_schema_field(NamedProgrammeGroupSerializer(allow_null=True))
    def get_group(self, status: SignUpStatus) -> dict | None:
        return NamedProgrammeGroupSerializer(status.signup.group).data if status.signup.group_id else None

    @extend_schema_field(PublicPlaceOfferSerializer(allow_null=True))
    def get_offer(self, status: SignUpStatus) -> dict | None:
        return PublicPlaceOfferSerializer(status.open_offer).data if status.open_offer else None
