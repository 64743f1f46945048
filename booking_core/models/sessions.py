"""Scheduled sessions of group services, with their seat counters."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from booking_core.models.catalogue import Service


class Session(models.Model):
    """One occurrence of a group service.

    `seats_booked` (pending + confirmed bookings) and `seats_held` (open waitlist offers) are kept in the
    same transaction as the rows they count, under a row lock on the session; the CHECK constraint makes
    an overbooking impossible to commit even if Python got it wrong. `accepted_overbooking` is the number
    of seats an operator explicitly kept when lowering the capacity below the seats already taken.
    """

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    capacity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    location = models.CharField(max_length=200, blank=True)
    seats_booked = models.PositiveIntegerField(default=0)
    seats_held = models.PositiveIntegerField(default=0)
    accepted_overbooking = models.PositiveIntegerField(default=0)
    is_cancelled = models.BooleanField(default=False)
    recurrence_key = models.CharField(max_length=40, blank=True, db_index=True,
                                      help_text=_("Shared by sessions created from one weekly recurrence."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["service", "starts_at"], name="session_service_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(seats_booked__gte=0) & Q(seats_held__gte=0)
                & Q(seats_booked__lte=F("capacity") + F("accepted_overbooking") - F("seats_held")),
                name="session_never_overbooked",
                violation_error_message=_("The session has fewer seats than are taken."),
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start",
                                   violation_error_message=_("The end must be after the start.")),
        ]

    def __str__(self):
        return f"{self.service} {self.starts_at:%Y-%m-%d %H:%M}"

    def clean(self):
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The end must be after the start.")})
        if self.service_id and not self.service.is_group:
            raise ValidationError({"service": _("Sessions belong to group services.")})

    @property
    def seats_taken(self) -> int:
        return self.seats_booked + self.seats_held

    @property
    def seats_free(self) -> int:
        return max(0, self.capacity - self.seats_taken)
