"""Who delivers individual appointments, and when they can."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from booking_core.models.catalogue import Service


class StaffMember(models.Model):
    """A person or a resource (a room, a court) that individual appointments are booked with."""

    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True)
    # The member (a user in the public schema) whose calendar this is: a member with the staff role sees this
    # staff member's bookings only. A plain id: users live in the public schema.
    user_id = models.BigIntegerField(null=True, blank=True, unique=True)
    services = models.ManyToManyField(Service, related_name="staff_members", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class WorkingHours(models.Model):
    """A weekly recurring window, in the tenant's local time (Monday = 0)."""

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=[(day, day) for day in range(7)])
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ["staff", "weekday", "start_time"]
        constraints = [models.CheckConstraint(condition=models.Q(end_time__gt=models.F("start_time")),
                                              name="working_hours_end_after_start",
                                              violation_error_message=_("The end must be after the start."))]

    def __str__(self):
        return f"{self.staff} day {self.weekday} {self.start_time}-{self.end_time}"


class AvailabilityOverride(models.Model):
    """Hours for one date that replace the weekly hours: other hours, or (no times) not working at all."""

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="overrides")
    date = models.DateField()
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)

    class Meta:
        ordering = ["staff", "date", "start_time"]

    def __str__(self):
        hours = f"{self.start_time}-{self.end_time}" if self.is_working else "off"
        return f"{self.staff} {self.date} {hours}"

    @property
    def is_working(self) -> bool:
        return self.start_time is not None

    def clean(self):
        super().clean()
        if (self.start_time is None) != (self.end_time is None):
            raise ValidationError(_("Give both a start and an end time, or neither for a day off."))
        if self.start_time is not None and self.end_time <= self.start_time:
            raise ValidationError({"end_time": _("The end must be after the start.")})


class TimeOff(models.Model):
    """An absolute period in which the staff member takes no appointments (holiday, sick leave)."""

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="time_off")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["staff", "starts_at"]
        constraints = [models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                              name="time_off_end_after_start",
                                              violation_error_message=_("The end must be after the start."))]

    def __str__(self):
        return f"{self.staff} off {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%Y-%m-%d %H:%M}"
