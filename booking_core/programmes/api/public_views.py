"""Public programme API: open programmes, signing up, one's status, withdrawing, answering offers (by token)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from billing.selectors.payments import payment_hold_deadline_for
from billing.services.place_offer_payments import place_offer_payment_start
from booking_core.acting import Actor
from booking_core.api.public_views import PublicView, client_language, limit_posted_creation
from booking_core.programmes.api import public_serializers as s
from booking_core.programmes.models import PlaceOffer
from booking_core.programmes.selectors import (
    offer_get_by_token,
    programme_get_for_clients,
    programmes_open_for_signup,
    signup_get_by_token,
)
from booking_core.programmes.services.offers import place_offer_accept, place_offer_decline
from booking_core.programmes.services.signups import signup_create, signup_withdraw
from booking_core.public_limits import limit_link_action
from booking_core.services.bookings import ClientDetails


class ProgrammeListView(PublicView, GenericAPIView):
    serializer_class = s.PublicProgrammeSerializer

    @extend_schema(summary="Programmes open for sign-up now, with their groups", operation_id="programmes_list")
    def get(self, request):
        page = self.paginate_queryset(programmes_open_for_signup())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class ProgrammeDetailView(PublicView):
    @extend_schema(summary="A programme with its groups (places, sessions) and its sign-up form",
                   operation_id="programmes_retrieve", responses=s.PublicProgrammeDetailSerializer)
    def get(self, request, programme_id: int):
        return Response(s.PublicProgrammeDetailSerializer(programme_get_for_clients(programme_id=programme_id)).data)


class SignUpCreateView(PublicView):
    rate_limited = True  # booking_core.public_limits

    @extend_schema(summary="Sign one or more people up; in immediate mode they are placed or waitlisted at once",
                   request=s.ProgrammeSignUpCreateSerializer,
                   responses={201: s.ProgrammeSignUpStatusSerializer(many=True)})
    def post(self, request, programme_id: int):
        creation = limit_posted_creation(request)
        programme = programme_get_for_clients(programme_id=programme_id)
        serializer = s.ProgrammeSignUpCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        client = ClientDetails(**data["client"])
        signups = signup_create(
            tenant=self.tenant, programme=programme, client=client, attendees=data["attendees"],
            preferences=data["preferences"], keep_together=data["keep_together"], answers=data["answers"],
            language=client_language(data.get("language"), self.tenant), actor=Actor.client(client.email),
        )
        creation.created()
        statuses = [signup_get_by_token(token=signup.token) for signup in signups]
        return Response(s.ProgrammeSignUpStatusSerializer(statuses, many=True).data, status=status.HTTP_201_CREATED)


class SignUpStatusView(PublicView):
    @extend_schema(summary="Where a participant stands, by the token of their sign-up",
                   responses=s.ProgrammeSignUpStatusSerializer)
    def get(self, request, token: str):
        return Response(s.ProgrammeSignUpStatusSerializer(signup_get_by_token(token=token)).data)


class SignUpWithdrawView(PublicView):
    rate_limited = True  # booking_core.public_limits

    @extend_schema(summary="Withdraw a sign-up by its token (a freed place goes to the waitlist)", request=None,
                   responses=s.ProgrammeSignUpStatusSerializer)
    def post(self, request, token: str):
        limit_link_action(request)
        signup = signup_get_by_token(token=token).signup
        signup = signup_withdraw(tenant=self.tenant, signup=signup, actor=Actor.client(signup.client.email))
        return Response(s.ProgrammeSignUpStatusSerializer(signup_get_by_token(token=token)).data)


class OfferView(PublicView):
    @extend_schema(summary="An offered place, by the token sent to the participant",
                   responses=s.PublicPlaceOfferSerializer)
    def get(self, request, token: str):
        return Response(s.PublicPlaceOfferSerializer(offer_get_by_token(token=token)).data)


class OfferAcceptView(PublicView):
    rate_limited = True  # booking_core.public_limits

    @extend_schema(summary="Take the offered place (once; a second accept changes nothing). A priced programme's "
                           "place awaits its payment: the answer carries the Checkout Session to send the client to",
                   request=None, responses=s.PayablePlaceOfferSerializer)
    def post(self, request, token: str):
        limit_link_action(request)
        offer = offer_get_by_token(token=token)
        now = timezone.now()
        offer = place_offer_accept(offer=offer, now=now, payment_due_at=payment_hold_deadline_for(
            tenant=self.tenant, service=offer.programme, now=now))
        payment = None
        if offer.status == PlaceOffer.Status.AWAITING_PAYMENT:
            return_url = request.build_absolute_uri(reverse("programme-offer-payment", args=[token]))
            started = place_offer_payment_start(tenant=self.tenant, offer=offer, success_url=return_url,
                                                cancel_url=return_url, now=now)
            payment = {"checkout_url": started.checkout_url, "return_url": return_url, "amount": started.amount,
                       "currency": started.currency, "due_at": offer.payment_due_at}
        answer = offer_get_by_token(token=token)
        answer.payment = payment
        return Response(s.PayablePlaceOfferSerializer(answer).data)


class OfferDeclineView(PublicView):
    rate_limited = True  # booking_core.public_limits

    @extend_schema(summary="Turn the offered place down; it goes to the next one waiting", request=None,
                   responses=s.PublicPlaceOfferSerializer)
    def post(self, request, token: str):
        limit_link_action(request)
        place_offer_decline(tenant=self.tenant, offer=offer_get_by_token(token=token))
        return Response(s.PublicPlaceOfferSerializer(offer_get_by_token(token=token)).data)
