"""What operators send and see for programmes. Serializers only parse and present; writes go through services."""

from __future__ import annotations

from rest_framework import serializers

from booking_core.api.fields import count_field, id_field
from booking_core.programmes.models import (
    AllocationLogEntry,
    PlaceOffer,
    Programme,
    ProgrammeFormField,
    ProgrammeGroup,
    ProgrammeSession,
    SignUp,
)


class ProgrammeSessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProgrammeSession
        fields = ["id", "starts_at", "ends_at"]


class ProgrammeGroupSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="Monday = 0 ... Sunday = 6.")
    places_free = serializers.IntegerField(read_only=True)
    is_below_minimum = serializers.BooleanField(read_only=True)
    sessions = ProgrammeSessionSerializer(many=True, read_only=True)

    class Meta:
        model = ProgrammeGroup
        fields = ["id", "label", "name_en", "name_hu", "name_de", "weekday", "start_time", "duration_minutes",
                  "location", "capacity", "position", "places_taken", "places_free", "is_cancelled",
                  "cancellation_reason", "minimum_decision", "is_below_minimum", "below_minimum_flagged_at",
                  "sessions", "created_at", "updated_at"]
        read_only_fields = ["places_taken", "is_cancelled", "cancellation_reason", "minimum_decision",
                            "below_minimum_flagged_at", "created_at", "updated_at"]

    def get_label(self, group: ProgrammeGroup) -> str:
        return group.label()


class ProgrammeGroupUpdateSerializer(ProgrammeGroupSerializer):
    class Meta(ProgrammeGroupSerializer.Meta):
        read_only_fields = [*ProgrammeGroupSerializer.Meta.read_only_fields, "capacity"]


class ProgrammeSerializer(serializers.ModelSerializer):
    signups_pending = serializers.IntegerField(read_only=True, default=0)
    signups_allocated = serializers.IntegerField(read_only=True, default=0)
    signups_waitlisted = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Programme
        fields = ["id", "slug", "name_en", "name_hu", "name_de", "description_en", "description_hu", "description_de",
                  "period_start", "period_end", "signup_opens_at", "signup_closes_at", "price_amount",
                  "price_currency", "strategy", "allocation_mode", "order_mode", "lottery_seed",
                  "batch_runs_at_close", "min_group_size", "returning_priority_enabled", "previous_programme",
                  "offer_auto_send", "offer_validity_hours", "is_published", "allocated_at", "window_closed_at",
                  "signups_pending", "signups_allocated", "signups_waitlisted", "created_at", "updated_at"]
        read_only_fields = ["previous_programme", "allocated_at", "window_closed_at", "created_at", "updated_at"]
        # Model validation (full_clean in the service) reports uniqueness with the same field names.
        extra_kwargs = {"slug": {"validators": []}}


class ProgrammeFormFieldSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProgrammeFormField
        exclude = ["programme"]


class ProgrammeSignUpSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)
    client_email = serializers.CharField(source="client.email", read_only=True)
    participant = serializers.CharField(source="participant_name", read_only=True)
    offer_status = serializers.CharField(source="offer.status", read_only=True, default=None)
    language = serializers.CharField(read_only=True)
    priority = serializers.IntegerField(read_only=True, help_text="1: served first (a returning participant while "
                                                                  "the programme's returning priority is on).")

    class Meta:
        model = SignUp
        fields = ["id", "participant", "attendee_name", "client_name", "client_email", "language", "preferences",
                  "answers", "household_key", "is_returning", "priority", "status", "group", "waitlist_number",
                  "offer", "offer_status", "status_rule", "status_reason", "created_at", "decided_at",
                  "withdrawn_at"]
        read_only_fields = fields


class PlaceOfferSerializer(serializers.ModelSerializer):
    signups = serializers.SerializerMethodField()

    class Meta:
        model = PlaceOffer
        fields = ["id", "group", "places", "status", "freed_reason", "signups", "prepared_at", "sent_at",
                  "expires_at", "responded_at", "released_by"]
        read_only_fields = fields

    def get_signups(self, offer: PlaceOffer) -> list[dict]:
        return [{"id": signup.pk, "participant": signup.participant_name} for signup in offer.signups.all()]


class AllocationLogEntrySerializer(serializers.ModelSerializer):
    participant = serializers.SerializerMethodField()

    class Meta:
        model = AllocationLogEntry
        fields = ["id", "created_at", "signup", "participant", "group", "decision", "strategy", "rule", "reason",
                  "run", "actor_label"]
        read_only_fields = fields

    def get_participant(self, entry: AllocationLogEntry) -> str | None:
        return entry.signup.participant_name if entry.signup_id else None


class GroupCapacitySerializer(serializers.Serializer):
    capacity = count_field()


class ProgrammeReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")


class GroupMergeSerializer(serializers.Serializer):
    into = id_field(help_text="The group of the same programme that takes everyone in.")


class AllocationCommitSerializer(serializers.Serializer):
    fingerprint = serializers.CharField(max_length=64, required=False, allow_blank=True, default="",
                                        help_text="From the preview: refuse if anything changed since.")


class ProgrammeRollOverSerializer(serializers.Serializer):
    slug = serializers.SlugField(max_length=80, required=False)
    name_en = serializers.CharField(max_length=200, required=False)
    name_hu = serializers.CharField(max_length=200, required=False)
    name_de = serializers.CharField(max_length=200, required=False)
    months = serializers.IntegerField(min_value=1, max_value=12, default=1)
    returning_priority_enabled = serializers.BooleanField(required=False, allow_null=True, default=None)


class AllocationPreviewGroupSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    capacity = serializers.IntegerField()
    taken_before = serializers.IntegerField()
    fill = serializers.IntegerField()
    below_minimum = serializers.BooleanField()


class AllocationPreviewDecisionSerializer(serializers.Serializer):
    signup = serializers.IntegerField()
    group = serializers.IntegerField(allow_null=True)
    rule = serializers.CharField()
    reason = serializers.CharField()


class AllocationPreviewSerializer(serializers.Serializer):
    strategy = serializers.CharField()
    order_mode = serializers.CharField()
    seed = serializers.IntegerField(allow_null=True)
    fingerprint = serializers.CharField()
    signups = serializers.IntegerField()
    allocated = serializers.IntegerField()
    unplaced = serializers.IntegerField()
    max_fill_spread = serializers.IntegerField()
    groups = AllocationPreviewGroupSerializer(many=True)
    decisions = AllocationPreviewDecisionSerializer(many=True)


class AllocationRunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    strategy = serializers.CharField()
    order_mode = serializers.CharField()
    seed = serializers.IntegerField(allow_null=True)
    fingerprint = serializers.CharField()
    signups = serializers.IntegerField()
    allocated = serializers.IntegerField()
    waitlisted = serializers.IntegerField()
    not_allocated = serializers.IntegerField()
    max_fill_spread = serializers.IntegerField()
    created_at = serializers.DateTimeField()
