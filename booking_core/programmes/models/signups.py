"""Sign-ups to a programme and the place offers made to waitlisted ones when a place frees up."""

from __future__ import annotations

import secrets

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from booking_core.models import Client
from booking_core.programmes.models.groups import ProgrammeGroup
from booking_core.programmes.models.programmes import Programme
from booking_core.waitlist.models import OfferDeadlineRules
from tenants.models import LANGUAGE_CHOICES


def new_signup_token() -> str:
    return secrets.token_urlsafe(24)


class PlaceOffer(OfferDeadlineRules, models.Model):
    """Places in one group offered to one waitlisted unit (a sign-up, or a household that stays together).

    An open offer (prepared or sent) holds its places: they count in the group's `places_taken`, so nobody
    else can take them. A prepared offer waits for staff to release it; a sent one waits for the answer
    until `expires_at`. Accepting allocates every sign-up of the offer; declining or expiry closes those
    sign-ups and offers the places to the next one on the waitlist.
    """

    class Status(models.TextChoices):
        PREPARED = "prepared", _("prepared")
        SENT = "sent", _("sent")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        EXPIRED = "expired", _("expired")
        WITHDRAWN = "withdrawn", _("withdrawn")  # the group was cancelled or shrank under it
        # Accepted, with a price: the places stay held until the payment arrives or `payment_due_at` passes.
        AWAITING_PAYMENT = "awaiting_payment", _("awaiting payment")

    OPEN_STATUSES = (Status.PREPARED, Status.SENT)
    # Holding places for a waitlisted unit: nobody else is offered them, and they count in `places_taken`.
    HOLDING_STATUSES = (Status.PREPARED, Status.SENT, Status.AWAITING_PAYMENT)

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="offers")
    group = models.ForeignKey(ProgrammeGroup, on_delete=models.PROTECT, related_name="offers")
    places = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PREPARED)
    token = models.CharField(max_length=64, unique=True, default=new_signup_token, editable=False)
    freed_reason = models.CharField(max_length=100, blank=True, help_text=_("Why the place became free."))
    prepared_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    # Set when a priced offer is accepted: the payment must arrive by then (ALLOT_PAYMENT_HOLD_MINUTES). It stays
    # set after the offer closes, so a late payment knows the offer was accepted and left unpaid.
    payment_due_at = models.DateTimeField(null=True, blank=True)
    released_by = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-prepared_at", "-id"]
        indexes = [models.Index(fields=["status", "expires_at"], name="place_offer_status_expiry"),
                   models.Index(fields=["payment_due_at"], condition=Q(status="awaiting_payment"),
                                name="place_offer_payment_due")]
        constraints = [
            models.CheckConstraint(condition=Q(places__gte=1), name="place_offer_at_least_one_place"),
            models.CheckConstraint(condition=~Q(status="sent") | Q(expires_at__isnull=False),
                                   name="place_offer_sent_expires"),
            models.CheckConstraint(condition=~Q(status="awaiting_payment") | Q(payment_due_at__isnull=False),
                                   name="place_offer_awaiting_payment_has_a_deadline"),
        ]

    def __str__(self):
        return f"offer #{self.pk} of {self.group} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def snapshot(self) -> dict:
        return {"status": self.status, "group": self.group_id, "places": self.places,
                "expires_at": self.expires_at.isoformat() if self.expires_at else None,
                "payment_due_at": self.payment_due_at.isoformat() if self.payment_due_at else None}


class SignUp(models.Model):
    """One participant's sign-up: the client, or someone they sign up (a child), with ranked groups.

    `preferences` ranks group ids best first; empty means any group. A household (sign-ups made together
    that asked to stay together) shares `household_key`: the rule engine places them in one group or
    leaves all of them waiting. `status_rule` is the rule behind the current status, so the participant's
    explanation is chosen by rule (and translated), never parsed from the operator's reason text.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending allocation")
        ALLOCATED = "allocated", _("allocated")
        WAITLISTED = "waitlisted", _("waitlisted")
        NOT_ALLOCATED = "not_allocated", _("not allocated")
        WITHDRAWN = "withdrawn", _("withdrawn")

    LIVE_STATUSES = (Status.PENDING, Status.ALLOCATED, Status.WAITLISTED)

    # No index of its own: signup_waitlist_order starts with the programme (every index costs a batch run
    # one more insertion per decided sign-up).
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="signups", db_index=False)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="programme_signups")
    attendee_name = models.CharField(max_length=200, blank=True,
                                     help_text=_("Who takes part, when not the client (e.g. a child)."))
    language = models.CharField(max_length=2, choices=LANGUAGE_CHOICES, default="en")
    preferences = ArrayField(models.BigIntegerField(), default=list, blank=True,
                             help_text=_("Group ids, best first; empty: any group."))
    answers = models.JSONField(default=list, blank=True)
    household_key = models.CharField(max_length=40, blank=True, db_index=True)
    # Served first while the programme's returning priority is on (see `priority`).
    is_returning = models.BooleanField(default=False,
                                       help_text=_("Took part in the previous period of this programme."))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    group = models.ForeignKey(ProgrammeGroup, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="participants", db_index=False)  # see signup_group_status
    # Order on the waitlist (after returning priority, when the programme has it on); participants who lost a
    # place they had go in front (<= 0).
    waitlist_number = models.IntegerField(null=True, blank=True,
                                          help_text=_("Order on the waitlist (after priority)."))
    offer = models.ForeignKey(PlaceOffer, on_delete=models.SET_NULL, null=True, blank=True, related_name="signups",
                              help_text=_("The latest place offer made to this sign-up."))
    status_rule = models.CharField(max_length=60, blank=True)
    status_reason = models.CharField(max_length=300, blank=True)
    token = models.CharField(max_length=64, unique=True, default=new_signup_token, editable=False)
    # Arrival: "by time of sign-up" orders by this.
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["programme", "created_at", "id"]
        indexes = [
            models.Index(fields=["programme", "status", "waitlist_number"], name="signup_waitlist_order"),
            models.Index(fields=["group", "status"], name="signup_group_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="allocated", group__isnull=False) | (~Q(status="allocated") & Q(group__isnull=True)),
                name="signup_group_only_when_allocated",
            ),
            models.CheckConstraint(condition=~Q(status="waitlisted") | Q(waitlist_number__isnull=False),
                                   name="signup_waitlisted_has_a_number"),
            models.UniqueConstraint(
                "programme", "client", Lower("attendee_name"),
                condition=Q(status__in=["pending", "allocated", "waitlisted"]),
                name="signup_one_live_per_participant",
                violation_error_message=_("This participant is already signed up for the programme."),
            ),
        ]

    def __str__(self):
        return f"{self.participant_name} → {self.programme} ({self.status})"

    @property
    def participant_name(self) -> str:
        return self.attendee_name or self.client.name

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE_STATUSES

    @property
    def priority(self) -> int:
        """Higher is served first: returning participants, while the programme's setting says so now."""
        return self.programme.serving_priority(self.is_returning)

    @property
    def accepts_any_group(self) -> bool:
        return not self.preferences

    def snapshot(self) -> dict:
        return {"status": self.status, "group": self.group_id, "waitlist_number": self.waitlist_number,
                "preferences": list(self.preferences), "household_key": self.household_key,
                "is_returning": self.is_returning, "rule": self.status_rule}
