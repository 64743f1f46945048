"""What clients and operators send and see about waitlists and offers."""

from __future__ import annotations

from rest_framework import serializers

from booking_core.api.fields import NAIVE_TIME_RULE, BoundedDateField, TenantDateTimeField, count_field, id_field
from booking_core.api.public_serializers import ClientInputSerializer
from booking_core.models import Offer, WaitlistEntry
from tenants.models import LANGUAGE_CHOICES


class JoinSerializer(serializers.Serializer):
    service = id_field(help_text="Service id.")
    session = id_field(required=False, help_text="Group services: a full session.")
    date_from = BoundedDateField(required=False, help_text="Group services: any session from this date ...")
    date_to = BoundedDateField(required=False, help_text="... to this date (at most 62 days).")
    date = BoundedDateField(required=False, help_text="Individual services: the day wanted.")
    staff = id_field(required=False, help_text="Individual services: only with this staff member.")
    seats = count_field(default=1)
    client = ClientInputSerializer()
    answers = serializers.DictField(required=False, default=dict)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False)
    campaign_code = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")


class OperatorJoinSerializer(JoinSerializer):
    source = serializers.ChoiceField(
        choices=[WaitlistEntry.Source.OPERATOR, WaitlistEntry.Source.API, WaitlistEntry.Source.IMPORT],
        default=WaitlistEntry.Source.OPERATOR)
    priority = serializers.IntegerField(required=False, min_value=-1000, max_value=1000)
    priority_reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class OfferSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    token = serializers.CharField()
    session = serializers.IntegerField(source="session_id", allow_null=True)
    staff = serializers.IntegerField(source="staff_id", allow_null=True)
    staff_name = serializers.CharField(source="staff.name", default=None)
    location = serializers.CharField(source="session.location", default=None)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    seats = serializers.IntegerField()
    expires_at = serializers.DateTimeField(allow_null=True)


class EntrySerializer(serializers.Serializer):
    """An entry as its client sees it (by token): reads what `waitlist_entry_get_by_token` set, no queries."""

    token = serializers.CharField()
    status = serializers.CharField()
    position = serializers.IntegerField(source="queue_position", allow_null=True)
    service = serializers.IntegerField(source="service_id")
    service_name = serializers.SerializerMethodField()
    target_kind = serializers.CharField()
    session = serializers.IntegerField(source="session_id", allow_null=True)
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)
    staff = serializers.IntegerField(source="staff_id", allow_null=True)
    seats_wanted = serializers.IntegerField()
    language = serializers.CharField()
    created_at = serializers.DateTimeField()
    open_offer = OfferSummarySerializer(source="offer_awaiting_answer", allow_null=True)

    def get_service_name(self, entry: WaitlistEntry) -> str:
        return entry.service.translated("name", entry.language)



class OperatorEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    service = serializers.IntegerField(source="service_id")
    target_kind = serializers.CharField()
    target_key = serializers.CharField()
    session = serializers.IntegerField(source="session_id", allow_null=True)
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)
    staff = serializers.IntegerField(source="staff_id", allow_null=True)
    client_name = serializers.CharField(source="client.name")
    client_email = serializers.CharField(source="client.email")
    seats_wanted = serializers.IntegerField()
    source = serializers.CharField()
    campaign_code = serializers.CharField()
    priority = serializers.IntegerField()
    priority_reason = serializers.CharField()
    offers_sent = serializers.IntegerField()
    emails_opened = serializers.IntegerField()
    links_clicked = serializers.IntegerField()
    page_views = serializers.IntegerField()
    last_activity_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class CandidateSerializer(serializers.Serializer):
    position = serializers.IntegerField(source="ranked.position")
    gets_seats_now = serializers.BooleanField(source="ranked.gets_seats")
    reason = serializers.CharField(source="ranked.reason", help_text=(
        "next_in_line, wants_more_seats_than_free, waiting_behind_others, no_seats_free or offer_open"))
    entry = OperatorEntrySerializer()
    open_offer = OfferSummarySerializer(allow_null=True)


class OfferSerializer(OfferSummarySerializer):
    """An offer as its client sees it (by token)."""

    service = serializers.IntegerField(source="service_id")
    service_name = serializers.SerializerMethodField()
    client_name = serializers.CharField(source="entry.client.name")
    booking_manage_token = serializers.CharField(source="booking.manage_token", default=None)

    def get_service_name(self, offer: Offer) -> str:
        return offer.service.translated("name", offer.entry.language)


class OperatorOfferSerializer(OfferSummarySerializer):
    entry = serializers.IntegerField(source="entry_id")
    service = serializers.IntegerField(source="service_id")
    client_name = serializers.CharField(source="entry.client.name")
    made_by_operator = serializers.BooleanField()
    freed_at = serializers.DateTimeField()
    prepared_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    responded_at = serializers.DateTimeField(allow_null=True)
    booking = serializers.IntegerField(source="booking_id", allow_null=True)


class PrioritySerializer(serializers.Serializer):
    priority = serializers.IntegerField(min_value=-1000, max_value=1000)
    reason = serializers.CharField(max_length=300)


class ManualOfferSerializer(serializers.Serializer):
    session = id_field(required=False, help_text="Group services (default: the entry's session).")
    starts_at = TenantDateTimeField(required=False, help_text="Individual services: the slot start. " + NAIVE_TIME_RULE)
    staff = id_field(required=False, help_text="Individual services: who serves it.")
    send = serializers.BooleanField(default=True, help_text="Send at once (true) or keep it prepared (false).")


class ReleaseSerializer(serializers.Serializer):
    offers = serializers.ListField(child=id_field(), required=False, default=list, max_length=1000,
                                   help_text="Ids of prepared offers to send.")
    all = serializers.BooleanField(default=False, help_text="Send every prepared offer (of `service` or "
                                                            "`session` if given).")
    service = id_field(required=False)
    session = id_field(required=False)


class RefusedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    detail = serializers.CharField()


class ReleaseResultSerializer(serializers.Serializer):
    released = OperatorOfferSerializer(many=True)
    refused = RefusedSerializer(many=True)


class FiguresRowSerializer(serializers.Serializer):
    service = serializers.IntegerField(source="service_id", allow_null=True)
    service_name = serializers.CharField()
    offers_prepared = serializers.IntegerField()
    offers_sent = serializers.IntegerField()
    offers_accepted = serializers.IntegerField()
    offers_declined = serializers.IntegerField()
    offers_expired = serializers.IntegerField()
    acceptance_rate = serializers.FloatField(allow_null=True)
    seats_refilled = serializers.IntegerField()
    median_minutes_freed_to_booking = serializers.FloatField(allow_null=True)
    revenue_recovered = serializers.DictField(child=serializers.IntegerField(),
                                              help_text="Minor units per ISO currency.")


class FiguresSerializer(serializers.Serializer):
    total = FiguresRowSerializer()
    services = FiguresRowSerializer(many=True)
