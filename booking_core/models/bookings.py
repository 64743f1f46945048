"""Bookings, and the slot claims that make overlapping individual appointments impossible to commit."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from booking_core.models.catalogue import Service
from booking_core.models.clients import Client
from booking_core.models.sessions import Session
from booking_core.models.staff import StaffMember
from tenants.models import LANGUAGE_CHOICES


def new_manage_token() -> str:
    return secrets.token_urlsafe(24)


class Booking(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        # Held for the client until `payment_due_at` while they pay online (billing); counts like confirmed.
        PENDING_PAYMENT = "pending_payment", _("awaiting payment")
        CONFIRMED = "confirmed", _("confirmed")
        CANCELLED = "cancelled", _("cancelled")
        ATTENDED = "attended", _("attended")
        NO_SHOW = "no_show", _("no-show")

    class Source(models.TextChoices):
        WEB = "web", _("booking site")
        OPERATOR = "operator", _("staff")
        API = "api", _("API")
        WAITLIST = "waitlist", _("waitlist offer")

    # Bookings that occupy their seat or slot.
    LIVE_STATUSES = (Status.PENDING, Status.PENDING_PAYMENT, Status.CONFIRMED)

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="bookings")
    session = models.ForeignKey(Session, on_delete=models.PROTECT, null=True, blank=True, related_name="bookings")
    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="bookings")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="bookings")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONFIRMED)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.WEB)
    language = models.CharField(max_length=2, choices=LANGUAGE_CHOICES, default="en")
    seats = models.PositiveIntegerField(default=1)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # The staff member's time this appointment occupies: the appointment plus its service's buffers,
    # fixed when booked so later buffer changes do not move existing bookings' edges.
    blocked_from = models.DateTimeField(null=True, blank=True)
    blocked_until = models.DateTimeField(null=True, blank=True)
    # Answers are a snapshot (key, type, label, value) so later edits of the form cannot change them.
    answers = models.JSONField(default=list, blank=True)
    manage_token = models.CharField(max_length=64, unique=True, default=new_manage_token, editable=False)
    idempotency_key = models.CharField(max_length=100, unique=True, null=True, blank=True)
    cancellation_reason = models.TextField(blank=True)
    cancelled_by = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Until when a booking awaiting payment holds its place (billing's hold expiry job frees it after that).
    payment_due_at = models.DateTimeField(null=True, blank=True)
    # The client answered the attendance request: "yes, I am coming".
    client_confirmed_at = models.DateTimeField(null=True, blank=True)
    # Seats an operator booked beyond the session's free seats, explicitly accepting the overbooking (0: none).
    overbooked_seats = models.PositiveIntegerField(default=0)
    # The operators' own note (never shown to the client); changes are in the audit log.
    operator_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["session", "status"], name="booking_session_status"),
            models.Index(fields=["staff", "starts_at"], name="booking_staff_start"),
            models.Index(fields=["starts_at"], name="booking_start"),
            models.Index(fields=["payment_due_at"], name="booking_payment_due",
                         condition=Q(status="pending_payment")),
            # The dashboard's week: bookings made, and cancelled (a partial index: few rows are cancelled).
            models.Index(fields=["created_at"], name="booking_created"),
            models.Index(fields=["cancelled_at"], name="booking_cancelled", condition=Q(cancelled_at__isnull=False)),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(seats__gte=1), name="booking_at_least_one_seat"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="booking_ends_after_start"),
            models.CheckConstraint(
                condition=Q(session__isnull=False, staff__isnull=True) | Q(session__isnull=True, staff__isnull=False),
                name="booking_is_either_group_or_individual",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.client} {self.starts_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE_STATUSES

    def snapshot(self) -> dict:
        """What an audit entry records about the booking."""
        return {
            "status": self.status,
            "starts_at": self.starts_at.isoformat() if self.starts_at else None,
            "ends_at": self.ends_at.isoformat() if self.ends_at else None,
            "staff": self.staff_id,
            "session": self.session_id,
            "seats": self.seats,
            "cancellation_reason": self.cancellation_reason,
            **({"overbooked_seats": self.overbooked_seats} if self.overbooked_seats else {}),
        }


class SlotClaim(models.Model):
    """A 5-minute cell of a staff member's time taken by a live booking or held by an open waitlist offer
    (including buffers).

    Core PostgreSQL has no exclusion constraints on ranges without btree_gist; one unique row per
    cell gives the same guarantee: two overlapping appointments would claim a common cell.
    """

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="+")
    cell_start = models.DateTimeField()
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, null=True, blank=True, related_name="slot_claims")
    offer = models.ForeignKey("booking_core.Offer", on_delete=models.CASCADE, null=True, blank=True,
                              related_name="slot_claims")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["staff", "cell_start"], name="slot_claim_one_booking_per_cell"),
            models.CheckConstraint(
                condition=Q(booking__isnull=False, offer__isnull=True) | Q(booking__isnull=True, offer__isnull=False),
                name="slot_claim_held_by_a_booking_or_an_offer",
            ),
        ]

    def __str__(self):
        return f"{self.staff_id}@{self.cell_start:%Y-%m-%d %H:%M}"
