"""Groups of a programme (a weekly slot with a capacity) and the concrete sessions each one runs."""

from __future__ import annotations

import datetime as dt

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from booking_core.models.translated import TranslatedFieldsMixin
from booking_core.programmes.models.programmes import Programme

WEEKDAYS = [(0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")), (4, _("Friday")),
            (5, _("Saturday")), (6, _("Sunday"))]


class ProgrammeGroup(TranslatedFieldsMixin, models.Model):
    """A recurring weekly slot of a programme, e.g. Mondays 17:00 for 45 minutes, 12 places.

    `places_taken` counts allocated participants plus the places held by open offers. It is changed only
    in the transaction that changes the rows it counts, under a row lock on the group (groups are locked in
    primary-key order), and the CHECK constraint makes an over-allocation impossible to commit even if the
    Python around it were wrong. A cancelled group holds nobody.
    """

    class MinimumDecision(models.TextChoices):
        NONE = "", _("no decision needed")
        PENDING = "pending", _("below the minimum: waiting for a decision")
        RUN = "run", _("runs although below the minimum")
        MERGED = "merged", _("merged into another group")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="groups")
    name_en = models.CharField(max_length=200, blank=True, help_text=_("Optional; the weekday and time by default."))
    name_hu = models.CharField(max_length=200, blank=True)
    name_de = models.CharField(max_length=200, blank=True)
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS, validators=[MaxValueValidator(6)])
    start_time = models.TimeField(help_text=_("Local time in the organisation's time zone."))
    duration_minutes = models.PositiveIntegerField(default=60,
                                                   validators=[MinValueValidator(5), MaxValueValidator(24 * 60)])
    location = models.CharField(max_length=200, blank=True)
    capacity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    places_taken = models.PositiveIntegerField(default=0, editable=False)
    position = models.PositiveIntegerField(default=0, help_text=_("Fast fill fills groups in this order."))
    is_cancelled = models.BooleanField(default=False, editable=False)
    cancellation_reason = models.CharField(max_length=300, blank=True, editable=False)
    minimum_decision = models.CharField(max_length=10, choices=MinimumDecision.choices, blank=True, default="",
                                        editable=False)
    below_minimum_flagged_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["programme", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(places_taken__gte=0) & Q(places_taken__lte=F("capacity")),
                name="programme_group_never_over_capacity",
                violation_error_message=_("The group has fewer places than are taken."),
            ),
            models.CheckConstraint(condition=Q(is_cancelled=False) | Q(places_taken=0),
                                   name="programme_group_cancelled_holds_nobody"),
        ]

    def __str__(self):
        return f"{self.programme}: {self.label()}"

    def label(self, language: str | None = None) -> str:
        """The group's name, or its weekday and start time."""
        name = self.translated("name", language)
        if name:
            return name
        return f"{WEEKDAYS[self.weekday][1]} {formats.time_format(self.start_time, 'TIME_FORMAT')}"

    @property
    def places_free(self) -> int:
        return 0 if self.is_cancelled else max(0, self.capacity - self.places_taken)

    @property
    def availability_for_clients(self) -> str:
        """What clients are told about the group's places: "allocated_at_close" while its programme awaits the
        batch allocation (there are no places yet), otherwise "open" or "full"."""
        if self.programme.awaits_batch_allocation:
            return "allocated_at_close"
        return "open" if self.places_free else "full"

    @property
    def is_below_minimum(self) -> bool:
        return self.minimum_decision == self.MinimumDecision.PENDING

    def snapshot(self) -> dict:
        return {
            "weekday": self.weekday, "start_time": self.start_time.isoformat() if self.start_time else None,
            "duration_minutes": self.duration_minutes, "capacity": self.capacity, "places_taken": self.places_taken,
            "position": self.position, "location": self.location, "is_cancelled": self.is_cancelled,
            "minimum_decision": self.minimum_decision,
        }


class ProgrammeSession(models.Model):
    """One meeting of a group, generated from its weekly slot on the tenant's wall clock (right across DST)."""

    group = models.ForeignKey(ProgrammeGroup, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "starts_at"], name="programme_session_once_per_start"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="programme_session_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.group} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def duration(self) -> dt.timedelta:
        return self.ends_at - self.starts_at
