"""Secret calendar subscription addresses: one for the organisation, one per staff member, one per client."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from booking_core.models.clients import Client
from booking_core.models.staff import StaffMember


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """An iCalendar feed a calendar app subscribes to. The token is the whole secret: resetting it makes the
    old address a 404 at once."""

    class Kind(models.TextChoices):
        ORGANISATION = "organisation", _("organisation")
        STAFF = "staff", _("staff member")
        CLIENT = "client", _("client")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, null=True, blank=True,
                              related_name="calendar_feeds")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="calendar_feeds")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    token_reset_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="organisation", staff__isnull=True, client__isnull=True)
                | Q(kind="staff", staff__isnull=False, client__isnull=True)
                | Q(kind="client", staff__isnull=True, client__isnull=False),
                name="calendar_feed_owner_matches_kind",
            ),
            models.UniqueConstraint(fields=["kind"], condition=Q(kind="organisation"),
                                    name="calendar_feed_one_for_organisation"),
            models.UniqueConstraint(fields=["staff"], name="calendar_feed_one_per_staff"),
            models.UniqueConstraint(fields=["client"], name="calendar_feed_one_per_client"),
        ]

    def __str__(self):
        return f"{self.kind} feed #{self.pk}"
