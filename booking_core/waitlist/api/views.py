"""Waitlist API: joining and answering offers (public, by token); the queue, priorities and offers (operators)."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from allot.errors import NotFoundError
from billing.selectors.payments import payment_hold_deadline_for
from booking_core.acting import Actor
from booking_core.api.checkout import PayableBookingSerializer, payable_booking_data
from booking_core.api.fields import NAIVE_TIME_RULE
from booking_core.api.operator_views import OperatorViewSet
from booking_core.api.permissions import EVERY_ROLE
from booking_core.api.public_views import (
    PublicView,
    chosen_session,
    chosen_staff,
    client_language,
    limit_posted_creation,
)
from booking_core.api.query_params import date_param, datetime_param, int_param
from booking_core.errors import BookingError, WaitlistError, WaitlistNotFoundError
from booking_core.models import Offer, Service, WaitlistEntry
from booking_core.public_limits import limit_link_action
from booking_core.selectors.bookings import booking_get_by_token
from booking_core.selectors.catalogue import service_get_for_clients, service_get_for_operator, staff_get_for_operator
from booking_core.selectors.sessions import session_get_for_operator
from booking_core.services.bookings import ClientDetails
from booking_core.waitlist.api import serializers as s
from booking_core.waitlist.selectors.entries import (
    candidates_for_date,
    candidates_for_session,
    offer_get_by_token,
    offer_get_for_operator,
    offers_for_operator,
    offers_prepared_for_operator,
    waitlist_entries_for_operator,
    waitlist_entry_get_by_token,
    waitlist_entry_get_for_operator,
)
from booking_core.waitlist.selectors.figures import waitlist_figures
from booking_core.waitlist.services import entries as waitlist_services
from booking_core.waitlist.services import offers as offer_services


def _join(data: dict, *, service: Service, actor: Actor, source: str, language: str, for_clients: bool,
          priority: int = 0, priority_reason: str = "") -> WaitlistEntry:
    """Resolve the ids of a join request within this tenant and call the service. Clients reach sessions and
    staff as the booking site does (upcoming, within the horizon, not cancelled; active staff); operators
    reach any of this tenant's, and the service refuses what cannot be waited for."""
    session = staff = None
    if for_clients:
        if data.get("session") is not None:
            session = chosen_session(service, data["session"], error=WaitlistError)
        staff = chosen_staff(service, data.get("staff"), error=WaitlistError)
    else:
        if data.get("session") is not None:
            session = _for_field(lambda: session_get_for_operator(session_id=data["session"]), "session",
                                 _("Pick a session of this service."), _("Unknown session."))
            if session.service_id != service.pk:
                raise WaitlistError(_("Pick a session of this service."), fields={"session": [_("Unknown session.")]})
        if data.get("staff") is not None:
            staff = _for_field(lambda: staff_get_for_operator(staff_id=data["staff"]), "staff",
                               _("No such staff member for this service."), _("Unknown."))
    return waitlist_services.waitlist_join(
        tenant=connection.tenant, service=service, session=session, date_from=data.get("date_from") or data.get("date"),
        date_to=data.get("date_to") or data.get("date"), staff=staff, seats=data["seats"],
        client=ClientDetails(**data["client"]), answers=data["answers"], language=language, source=source,
        campaign_code=data.get("campaign_code", ""), priority=priority, priority_reason=priority_reason,
        actor=actor,
    )


def _for_field(fetch, field: str, message: str, field_message: str):
    """An operator's id that names nothing of this tenant is a 400 on its field (as for clients)."""
    try:
        return fetch()
    except NotFoundError:
        raise WaitlistError(message, fields={field: [field_message]}) from None


# --- public ----------------------------------------------------------------------------------------------


class WaitlistJoinView(PublicView):
    rate_limited = True  # booking_core.public_limits

    @extend_schema(summary="Join the waitlist of a full session, a date range or an appointment day",
                   request=s.JoinSerializer, responses={201: s.EntrySerializer})
    def post(self, request):
        creation = limit_posted_creation(request)
        serializer = s.JoinSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        service = service_get_for_clients(service_id=data["service"])
        entry = _join(data, service=service, actor=Actor.client(data["client"]["email"]), for_clients=True,
                      source=WaitlistEntry.Source.WEB, language=client_language(data.get("language"), self.tenant))
        creation.created()
        return Response(s.EntrySerializer(waitlist_entry_get_by_token(token=entry.token)).data,
                        status=status.HTTP_201_CREATED)


class WaitlistEntryView(PublicView):
    @extend_schema(summary="A waitlist entry with its position, by the token of its status link",
                   responses=s.EntrySerializer)
    def get(self, request, token: str):
        return Response(s.EntrySerializer(waitlist_entry_get_by_token(token=token)).data)


class WaitlistLeaveView(PublicView):
    rate_limited = True  # booking_core.public_limits

    @extend_schema(summary="Leave the waitlist (an open offer is passed to the next candidate)", request=None,
                   responses=s.EntrySerializer)
    def post(self, request, token: str):
        limit_link_action(request)
        entry = waitlist_entry_get_by_token(token=token)
        waitlist_services.waitlist_entry_remove(entry=entry, actor=Actor.client(entry.client.email))
        return Response(s.EntrySerializer(waitlist_entry_get_by_token(token=token)).data)


class OfferView(PublicView):
    @extend_schema(summary="An offer: what is held for the client and until when", responses=s.OfferSerializer)
    def get(self, request, token: str):
        return Response(s.OfferSerializer(offer_get_by_token(token=token)).data)


class OfferAcceptView(PublicView):
    rate_limited = True  # booking_core.public_limits

    @extend_schema(summary="Accept an offer: the held place becomes a confirmed booking (exactly once); a priced "
                           "place is held as pending_payment until paid through `payment.checkout_url`",
                   request=None, responses=PayableBookingSerializer)
    def post(self, request, token: str):
        limit_link_action(request)
        offer = offer_get_by_token(token=token)
        now = timezone.now()
        booking = offer_services.offer_accept(offer=offer, now=now, payment_due_at=payment_hold_deadline_for(
            tenant=self.tenant, service=offer.service, now=now))
        return Response(payable_booking_data(request, tenant=self.tenant,
                                             booking=booking_get_by_token(token=booking.manage_token)))


class OfferDeclineView(PublicView):
    rate_limited = True  # booking_core.public_limits

    @extend_schema(summary="Decline an offer: the place goes to the next candidate", request=None,
                   responses=s.OfferSerializer)
    def post(self, request, token: str):
        limit_link_action(request)
        offer_services.offer_decline(offer=offer_get_by_token(token=token))
        return Response(s.OfferSerializer(offer_get_by_token(token=token)).data)


# --- operators ---------------------------------------------------------------------------------------------


class WaitlistEntryViewSet(OperatorViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Entries of every waitlist. Staff members may handle the waitlist as they handle bookings."""

    serializer_class = s.OperatorEntrySerializer
    write_roles = EVERY_ROLE

    @extend_schema(parameters=[OpenApiParameter("service", int), OpenApiParameter("session", int),
                               OpenApiParameter("status", str, enum=WaitlistEntry.Status.values)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        entry_status = self.request.query_params.get("status")
        if entry_status and entry_status not in WaitlistEntry.Status.values:
            raise BookingError(_("Unknown status."), fields={"status": [_("Unknown status.")]})
        return waitlist_entries_for_operator(service_id=int_param(self.request, "service"),
                                             session_id=int_param(self.request, "session"), status=entry_status)

    def get_object(self):
        return waitlist_entry_get_for_operator(entry_id=self.kwargs["pk"])

    def _valid(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _entry(self, entry: WaitlistEntry) -> Response:
        return Response(s.OperatorEntrySerializer(waitlist_entry_get_for_operator(entry_id=entry.pk)).data)

    @extend_schema(request=s.OperatorJoinSerializer, responses={201: s.OperatorEntrySerializer})
    def create(self, request):
        """Put a client on a waitlist (phone call, import); optionally with a priority and its reason."""
        data = self._valid(s.OperatorJoinSerializer)
        service = service_get_for_operator(service_id=data["service"])
        entry = _join(data, service=service, actor=self.actor, source=data["source"], for_clients=False,
                      language=client_language(data.get("language"), connection.tenant),
                      priority=data.get("priority") or 0, priority_reason=data["priority_reason"])
        response = self._entry(entry)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(request=s.PrioritySerializer, responses=s.OperatorEntrySerializer)
    @action(detail=True, methods=["post"])
    def priority(self, request, pk=None):
        """Move a candidate up or down the queue, with the reason shown next to the ranking."""
        data = self._valid(s.PrioritySerializer)
        entry = waitlist_services.waitlist_entry_set_priority(entry=self.get_object(), priority=data["priority"],
                                                              reason=data["reason"], actor=self.actor)
        return self._entry(entry)

    @extend_schema(request=None, responses=s.OperatorEntrySerializer)
    @action(detail=True, methods=["post"])
    def remove(self, request, pk=None):
        """Take the entry off the waitlist (an open offer is passed to the next candidate)."""
        return self._entry(waitlist_services.waitlist_entry_remove(entry=self.get_object(), actor=self.actor))

    @extend_schema(request=s.ManualOfferSerializer, responses={201: s.OperatorOfferSerializer})
    @action(detail=True, methods=["post"])
    def offer(self, request, pk=None):
        """Offer a free place to this candidate by hand (sent at once unless send=false)."""
        data = self._valid(s.ManualOfferSerializer)
        entry = self.get_object()
        session = session_get_for_operator(session_id=data["session"]) if data.get("session") is not None else None
        if data.get("staff") is not None:
            staff_get_for_operator(staff_id=data["staff"])
        offer = offer_services.offer_create_by_operator(
            tenant=connection.tenant, entry=entry, session=session, starts_at=data.get("starts_at"),
            staff_id=data.get("staff"), send=data["send"], actor=self.actor)
        return Response(s.OperatorOfferSerializer(offer_get_for_operator(offer_id=offer.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("session", int), OpenApiParameter("service", int),
                    OpenApiParameter("date", str, description="YYYY-MM-DD (individual services)"),
                    OpenApiParameter("staff", int)],
        responses=s.CandidateSerializer(many=True),
    )
    @action(detail=False, methods=["get"])
    def candidates(self, request):
        """The queue for a session (or an appointment day): position, priority, source, status, activity, and
        whether and why each candidate would get the free seats now."""
        session_id = int_param(request, "session")
        if session_id is not None:
            rows = candidates_for_session(session_get_for_operator(session_id=session_id))
        else:
            service_id, day = int_param(request, "service"), date_param(request, "date")
            if service_id is None or day is None:
                raise BookingError(_("Ask for a session, or a service and a date."),
                                   fields={"session": [_("Required.")]})
            service = service_get_for_operator(service_id=service_id)
            rows = candidates_for_date(service=service, day=day, staff_id=int_param(request, "staff"))
        return Response(s.CandidateSerializer(rows, many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("service", int),
                    OpenApiParameter("from", dt.datetime, description=NAIVE_TIME_RULE),
                    OpenApiParameter("to", dt.datetime, description=NAIVE_TIME_RULE)],
        responses=s.FiguresSerializer,
    )
    @action(detail=False, methods=["get"])
    def figures(self, request):
        """Revenue protection: seats refilled, time from freed seat to booking, offer outcomes, revenue."""
        total, rows = waitlist_figures(since=datetime_param(request, "from"), until=datetime_param(request, "to"),
                                       service_id=int_param(request, "service"))
        return Response(s.FiguresSerializer({"total": total, "services": rows}).data)


class OfferViewSet(OperatorViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = s.OperatorOfferSerializer
    write_roles = EVERY_ROLE

    @extend_schema(parameters=[OpenApiParameter("status", str, enum=Offer.Status.values),
                               OpenApiParameter("service", int), OpenApiParameter("session", int)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        offer_status = self.request.query_params.get("status")
        if offer_status and offer_status not in Offer.Status.values:
            raise BookingError(_("Unknown status."), fields={"status": [_("Unknown status.")]})
        return offers_for_operator(status=offer_status, service_id=int_param(self.request, "service"),
                                   session_id=int_param(self.request, "session"))

    def get_object(self):
        return offer_get_for_operator(offer_id=self.kwargs["pk"])

    def _offer(self, offer: Offer) -> Response:
        return Response(s.OperatorOfferSerializer(offer_get_for_operator(offer_id=offer.pk)).data)

    @extend_schema(request=None, responses=s.OperatorOfferSerializer, operation_id="operator_offer_release")
    @action(detail=True, methods=["post"], url_path="release")
    def release_one(self, request, pk=None):
        """Send a prepared offer to its candidate."""
        return self._offer(offer_services.offer_release(offer=self.get_object(), actor=self.actor))

    @extend_schema(request=s.ReleaseSerializer, responses=s.ReleaseResultSerializer,
                   operation_id="operator_offers_release_many")
    @action(detail=False, methods=["post"])
    def release(self, request):
        """Send several prepared offers (by id), or all of them (of a service or session if given)."""
        serializer = s.ReleaseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["all"]:
            prepared = offers_prepared_for_operator(service_id=data.get("service"), session_id=data.get("session"))
        elif data["offers"]:
            known = set(offers_for_operator().filter(pk__in=data["offers"]).values_list("pk", flat=True))
            if known != set(data["offers"]):
                raise WaitlistNotFoundError(_("No such offer: %(ids)s.") % {
                    "ids": ", ".join(str(pk) for pk in sorted(set(data["offers"]) - known))})
            prepared = offers_prepared_for_operator(offer_ids=data["offers"])
        else:
            raise BookingError(_("Name the offers to release, or ask for all."), fields={"offers": [_("Required.")]})
        released, refused = offer_services.offers_release(offers=list(prepared), actor=self.actor,
                                                          now=timezone.now())
        return Response({
            "released": s.OperatorOfferSerializer(offers_for_operator().filter(pk__in=[o.pk for o in released]),
                                                  many=True).data,
            "refused": [{"id": offer_id, "detail": detail} for offer_id, detail in refused.items()],
        })

    @extend_schema(request=None, responses=s.OperatorOfferSerializer)
    @action(detail=True, methods=["post"])
    def skip(self, request, pk=None):
        """Pass over this candidate: the next one gets the place; the skipped one keeps waiting."""
        return self._offer(offer_services.offer_skip(tenant=connection.tenant, offer=self.get_object(),
                                                     actor=self.actor))

    @extend_schema(request=None, responses=s.OperatorOfferSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Take the offer back: the place returns to general sale; the candidate keeps waiting."""
        return self._offer(offer_services.offer_withdraw(offer=self.get_object(), actor=self.actor))
