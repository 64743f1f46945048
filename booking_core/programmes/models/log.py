"""The allocation log: one row per decision, so every participant's status can be traced to a rule."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from booking_core.programmes.models.groups import ProgrammeGroup
from booking_core.programmes.models.programmes import Programme
from booking_core.programmes.models.signups import SignUp


class AllocationRun(models.Model):
    """One committed batch allocation, with everything needed to replay it."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="allocation_runs")
    strategy = models.CharField(max_length=20)
    order_mode = models.CharField(max_length=20)
    seed = models.BigIntegerField(null=True, blank=True)
    returning_priority = models.BooleanField(default=False)
    # sha256 of the groups and pending sign-ups the run started from: a preview with the same
    # fingerprint is exactly what was committed.
    fingerprint = models.CharField(max_length=64)
    signups = models.PositiveIntegerField(default=0)
    allocated = models.PositiveIntegerField(default=0)
    waitlisted = models.PositiveIntegerField(default=0)
    not_allocated = models.PositiveIntegerField(default=0)
    max_fill_spread = models.PositiveIntegerField(default=0)
    actor_label = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"run #{self.pk} of {self.programme} ({self.strategy}, {self.created_at:%Y-%m-%d %H:%M})"


class AllocationLogEntry(models.Model):
    class Decision(models.TextChoices):
        SIGNED_UP = "signed_up", _("signed up, pending allocation")
        ALLOCATED = "allocated", _("allocated")
        WAITLISTED = "waitlisted", _("waitlisted")
        NOT_ALLOCATED = "not_allocated", _("not allocated")
        MOVED = "moved", _("moved to another group")
        WITHDRAWN = "withdrawn", _("withdrawn")
        OFFER_PREPARED = "offer_prepared", _("offer prepared")
        OFFER_SENT = "offer_sent", _("offer sent")
        OFFER_ACCEPTED = "offer_accepted", _("offer accepted")
        OFFER_DECLINED = "offer_declined", _("offer declined")
        OFFER_EXPIRED = "offer_expired", _("offer expired")
        OFFER_WITHDRAWN = "offer_withdrawn", _("offer withdrawn")
        GROUP_BELOW_MINIMUM = "group_below_minimum", _("group below the minimum size")
        GROUP_RUNS = "group_runs", _("group runs below the minimum")
        GROUP_CANCELLED = "group_cancelled", _("group cancelled")
        GROUP_MERGED = "group_merged", _("group merged")
        CAPACITY_CHANGED = "capacity_changed", _("capacity changed")
        SCHEDULE_CHANGED = "schedule_changed", _("schedule changed")  # told to a participant of the group

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="log_entries",
                                  db_index=False)  # allocation_log_programme starts with it
    run = models.ForeignKey(AllocationRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="entries")
    signup = models.ForeignKey(SignUp, on_delete=models.CASCADE, null=True, blank=True, related_name="log_entries")
    group = models.ForeignKey(ProgrammeGroup, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="log_entries")
    decision = models.CharField(max_length=30, choices=Decision.choices)
    strategy = models.CharField(max_length=20, blank=True)
    rule = models.CharField(max_length=60)
    reason = models.CharField(max_length=300, blank=True)
    actor_label = models.CharField(max_length=200)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "allocation log entries"
        indexes = [models.Index(fields=["programme", "id"], name="allocation_log_programme")]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.decision} ({self.rule})"
