"""Two-way calendar sync: a staff member's connected calendar, the bookings written into it, and the busy
times read back from it (which block availability like time off)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from booking_core.models.staff import StaffMember


class CalendarConnection(models.Model):
    """One staff member's external calendar. The secret (an app password; an OAuth refresh token for future
    providers) is stored encrypted (booking_core.calendar_sync.secrets)."""

    class Provider(models.TextChoices):
        CALDAV = "caldav", _("CalDAV")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the first sync")
        OK = "ok", _("in sync")
        FAILING = "failing", _("failing")

    staff = models.OneToOneField(StaffMember, on_delete=models.CASCADE, related_name="calendar_connection")
    provider = models.CharField(max_length=20, choices=Provider.choices, default=Provider.CALDAV)
    url = models.URLField(max_length=500)
    username = models.CharField(max_length=200)
    secret_encrypted = models.TextField()
    # The calendar found at `url` (a CalDAV collection) on connecting.
    calendar_url = models.URLField(max_length=500, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_pulled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)
    # Not before this moment (the backoff after failures; "sync now" sets it to now and clears last_pulled_at).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["staff_id"]

    def __str__(self):
        return f"{self.get_provider_display()} calendar of {self.staff}"


class CalendarEventLink(models.Model):
    """A booking as last written into a connected calendar, under its UID: what tells an update from a create
    and what has to be deleted when the booking is cancelled or moves to another staff member."""

    connection = models.ForeignKey(CalendarConnection, on_delete=models.CASCADE, related_name="event_links")
    # Not a foreign key on purpose: the link outlives nothing, but it must not stop a booking's deletion either.
    booking_id = models.BigIntegerField()
    uid = models.CharField(max_length=200)
    # A digest of what was written (times, title): unchanged bookings are not written again.
    fingerprint = models.CharField(max_length=64)
    written_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["connection", "booking_id"]
        constraints = [models.UniqueConstraint(fields=["connection", "booking_id"],
                                               name="calendar_event_link_one_per_booking")]

    def __str__(self):
        return self.uid


class CalendarBusyBlock(models.Model):
    """A busy period read from a staff member's connected calendar: availability treats it like time off.
    Replaced as a whole on each pull."""

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="calendar_busy_blocks")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["staff", "starts_at"]
        indexes = [models.Index(fields=["staff", "starts_at"], name="calendar_busy_staff_start")]
        constraints = [models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                              name="calendar_busy_end_after_start")]

    def __str__(self):
        return f"{self.staff} busy {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%Y-%m-%d %H:%M}"


