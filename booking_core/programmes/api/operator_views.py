"""Operator API for programmes: programmes, groups and forms; sign-ups, offers, the allocation log; batch runs.

Under /api/v1/operator/programmes/. Members (session login) or API keys of this tenant; reading is open to
every role, changing programmes to managers, and handling sign-ups and offers to staff as well.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from booking_core.api.operator_views import CrudViewSet, OperatorViewSet
from booking_core.api.permissions import EVERY_ROLE
from booking_core.api.query_params import int_param
from booking_core.programmes.api import operator_serializers as s
from booking_core.programmes.errors import ProgrammeError
from booking_core.programmes.models import (
    AllocationLogEntry,
    PlaceOffer,
    Programme,
    ProgrammeFormField,
    ProgrammeGroup,
    SignUp,
)
from booking_core.programmes.selectors import (
    groups_for_operator,
    log_entries_for_operator,
    offers_for_operator,
    programmes_for_operator,
    signups_for_operator,
)
from booking_core.programmes.services import allocation_run, group_changes, groups, programmes
from booking_core.programmes.services.offers import place_offer_release
from booking_core.programmes.services.signups import signup_withdraw


def _valid(request, serializer_class) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _choice_param(request, name: str, choices) -> str | None:
    value = request.query_params.get(name) or None
    if value is not None and value not in choices:
        raise ProgrammeError(_("Unknown value."), fields={name: [_("Unknown value.")]})
    return value


class ProgrammeViewSet(CrudViewSet):
    serializer_class = s.ProgrammeSerializer

    def get_queryset(self):
        counted = {f"signups_{name}": Count("signups", filter=Q(signups__status=name))
                   for name in ("pending", "allocated", "waitlisted")}
        return programmes_for_operator().annotate(**counted)

    def create_record(self, data):
        return programmes.programme_create(tenant=connection.tenant, actor=self.actor, **data)

    def update_record(self, instance, data):
        return programmes.programme_update(tenant=connection.tenant, programme=instance, actor=self.actor, **data)

    def delete_record(self, instance):
        programmes.programme_delete(programme=instance, actor=self.actor)

    @extend_schema(request=s.ProgrammeRollOverSerializer, responses={201: s.ProgrammeSerializer})
    @action(detail=True, methods=["post"], url_path="roll-over")
    def roll_over(self, request, pk=None):
        """Copy the programme with its groups and form to the next period, as an unpublished draft."""
        data = _valid(request, s.ProgrammeRollOverSerializer)
        names = {code: data.pop(f"name_{code}") for code in ("en", "hu", "de") if f"name_{code}" in data}
        copy = programmes.programme_roll_over(tenant=connection.tenant, programme=self.get_object(),
                                              actor=self.actor, names=names, **data)
        return Response(s.ProgrammeSerializer(self.get_queryset().get(pk=copy.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=s.AllocationPreviewSerializer)
    @action(detail=True, methods=["get"], url_path="allocation/preview")
    def allocation_preview(self, request, pk=None):
        """What the batch allocation would decide now (nothing is written); commit it with its fingerprint."""
        plan = allocation_run.allocation_preview(programme=self.get_object())
        below = set(plan.below_minimum())
        assignment = plan.assignment
        return Response(s.AllocationPreviewSerializer({
            "strategy": assignment.strategy, "order_mode": plan.programme.order_mode, "seed": plan.seed,
            "fingerprint": plan.fingerprint, "signups": len(plan.order), "allocated": len(assignment.placed),
            "unplaced": len(assignment.unplaced), "max_fill_spread": plan.max_fill_spread,
            "groups": [{"id": group.id, "capacity": group.capacity, "taken_before": group.taken,
                        "fill": assignment.fill[group.id], "below_minimum": group.id in below}
                       for group in plan.groups],
            "decisions": [{"signup": decision.applicant_id, "group": decision.group_id, "rule": decision.rule,
                           "reason": decision.reason} for decision in assignment.decisions],
        }).data)

    @extend_schema(request=s.AllocationCommitSerializer, responses={201: s.AllocationRunSerializer})
    @action(detail=True, methods=["post"], url_path="allocation/commit")
    def allocation_commit(self, request, pk=None):
        """Run and write the batch allocation (after the window closed); with a fingerprint, exactly the preview."""
        data = _valid(request, s.AllocationCommitSerializer)
        run = allocation_run.allocation_commit(tenant=connection.tenant, programme=self.get_object(), actor=self.actor,
                                               expected_fingerprint=data["fingerprint"] or None)
        return Response(s.AllocationRunSerializer(run).data, status=status.HTTP_201_CREATED)


class ProgrammeChildMixin:
    def programme(self) -> Programme:
        if not hasattr(self, "_programme"):
            self._programme = get_object_or_404(Programme, pk=self.kwargs["programme_id"])
        return self._programme


class GroupViewSet(ProgrammeChildMixin, CrudViewSet):
    """A programme's weekly groups. Capacity changes, cancelling and merging re-allocate, so they are actions."""

    serializer_class = s.ProgrammeGroupSerializer
    queryset = ProgrammeGroup.objects.none()

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return s.ProgrammeGroupUpdateSerializer
        return s.ProgrammeGroupSerializer

    def get_queryset(self):
        return groups_for_operator(programme=self.programme())

    def create_record(self, data):
        return groups.group_create(tenant=connection.tenant, programme=self.programme(), actor=self.actor, **data)

    def update_record(self, instance, data):
        return groups.group_update(tenant=connection.tenant, group=instance, actor=self.actor, **data)

    def delete_record(self, instance):
        groups.group_delete(group=instance, actor=self.actor)

    def _respond(self, group):
        return Response(s.ProgrammeGroupSerializer(self.get_queryset().get(pk=group.pk)).data)

    @extend_schema(request=s.GroupCapacitySerializer, responses=s.ProgrammeGroupSerializer)
    @action(detail=True, methods=["post"])
    def capacity(self, request, programme_id=None, pk=None):
        """More places go to the waitlist; fewer move the last-placed participants elsewhere by the strategy."""
        data = _valid(request, s.GroupCapacitySerializer)
        return self._respond(group_changes.group_change_capacity(
            tenant=connection.tenant, group=self.get_object(), capacity=data["capacity"], actor=self.actor))

    @extend_schema(request=s.ProgrammeReasonSerializer, responses=s.ProgrammeGroupSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, programme_id=None, pk=None):
        """Call the group off; its participants are re-allocated by the strategy, waitlisted or told why not."""
        data = _valid(request, s.ProgrammeReasonSerializer)
        return self._respond(group_changes.group_cancel(tenant=connection.tenant, group=self.get_object(),
                                                        reason=data["reason"], actor=self.actor))

    @extend_schema(request=s.GroupMergeSerializer, responses=s.ProgrammeGroupSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, programme_id=None, pk=None):
        """Move everyone into another group of the programme and cancel this one (a group below the minimum)."""
        data = _valid(request, s.GroupMergeSerializer)
        into = self.get_queryset().filter(pk=data["into"]).first()
        if into is None:
            raise ProgrammeError(_("Merge into a group of this programme."), fields={"into": [_("Unknown group.")]})
        group_changes.group_merge(tenant=connection.tenant, group=self.get_object(), into=into, actor=self.actor)
        return self._respond(into)

    @extend_schema(request=None, responses=s.ProgrammeGroupSerializer)
    @action(detail=True, methods=["post"])
    def runs(self, request, programme_id=None, pk=None):
        """Decide that a group below the minimum size runs anyway."""
        return self._respond(group_changes.group_confirm_runs(group=self.get_object(), actor=self.actor))


class FormFieldViewSet(ProgrammeChildMixin, CrudViewSet):
    """The questions of a programme's sign-up form, in order."""

    serializer_class = s.ProgrammeFormFieldSerializer
    queryset = ProgrammeFormField.objects.none()

    def get_queryset(self):
        return self.programme().form_fields.order_by("position", "id")

    def create_record(self, data):
        return programmes.form_field_create(programme=self.programme(), actor=self.actor, **data)

    def update_record(self, instance, data):
        return programmes.form_field_update(question=instance, actor=self.actor, **data)

    def delete_record(self, instance):
        programmes.form_field_delete(question=instance, actor=self.actor)


class SignUpViewSet(ProgrammeChildMixin, OperatorViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Who signed up and where they stand. Staff members may withdraw a sign-up on the participant's behalf."""

    serializer_class = s.ProgrammeSignUpSerializer
    write_roles = EVERY_ROLE

    @extend_schema(parameters=[OpenApiParameter("status", str, enum=SignUp.Status.values),
                               OpenApiParameter("group", int)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        if self.action != "list":
            return signups_for_operator(programme=self.programme())
        return signups_for_operator(programme=self.programme(),
                                    status=_choice_param(self.request, "status", SignUp.Status.values),
                                    group_id=int_param(self.request, "group"))

    @extend_schema(request=s.ProgrammeReasonSerializer, responses=s.ProgrammeSignUpSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, programme_id=None, pk=None):
        data = _valid(request, s.ProgrammeReasonSerializer)
        if not data["reason"].strip():
            raise ProgrammeError(_("Give a reason; the participant will see it."), fields={"reason": [_("Required.")]})
        signup = signup_withdraw(tenant=connection.tenant, signup=self.get_object(), actor=self.actor,
                                 reason=data["reason"])
        return Response(s.ProgrammeSignUpSerializer(self.get_queryset().get(pk=signup.pk)).data)


class OfferViewSet(ProgrammeChildMixin, OperatorViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Places offered to the waitlist; prepared ones wait for staff to release them."""

    serializer_class = s.PlaceOfferSerializer
    write_roles = EVERY_ROLE

    @extend_schema(parameters=[OpenApiParameter("status", str, enum=PlaceOffer.Status.values)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        status_filter = _choice_param(self.request, "status", PlaceOffer.Status.values) if self.action == "list" \
            else None
        return offers_for_operator(programme=self.programme(), status=status_filter)

    @extend_schema(request=None, responses=s.PlaceOfferSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request, programme_id=None, pk=None):
        offer = place_offer_release(tenant=connection.tenant, offer=self.get_object(), actor=self.actor)
        return Response(s.PlaceOfferSerializer(self.get_queryset().get(pk=offer.pk)).data)


class LogViewSet(ProgrammeChildMixin, OperatorViewSet, mixins.ListModelMixin):
    """The allocation log: one entry per decision, oldest first."""

    serializer_class = s.AllocationLogEntrySerializer

    @extend_schema(parameters=[OpenApiParameter("signup", int), OpenApiParameter("group", int),
                               OpenApiParameter("decision", str, enum=AllocationLogEntry.Decision.values)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        return log_entries_for_operator(
            programme=self.programme(), signup_id=int_param(self.request, "signup"),
            group_id=int_param(self.request, "group"),
            decision=_choice_param(self.request, "decision", AllocationLogEntry.Decision.values))
