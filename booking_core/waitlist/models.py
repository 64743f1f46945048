"""Waitlist entries and the offers made to them when a place frees up.

An entry waits for one target: a session, any session of a group service in a date range, or a slot
of an individual service on a date (optionally with one staff member). When seats free up, an offer is
prepared for the best-ranked candidate and holds the seats (`Session.seats_held`, or slot claims for an
appointment) until it is accepted, declined, expires, is skipped or withdrawn.
"""

from __future__ import annotations

import secrets

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tenants.models import LANGUAGE_CHOICES

# The booking models by label, not by import: booking_core.models imports this module (so Django finds these
# models under the app label `booking_core`), and importing it back would make the two depend on each other.


class OfferDeadlineRules:
    """When an offer sent to a client with a deadline is still open, for waitlist offers and programme place
    offers alike: the one place the booking site, the API, the emails and the services ask."""

    SENT, EXPIRED = "sent", "expired"

    def awaits_answer(self, now) -> bool:
        """An offer is still open: sent and not past its deadline, so the client may accept or decline it."""
        return self.status == self.SENT and self.expires_at is not None and self.expires_at > now

    def has_expired(self, now) -> bool:
        """The deadline passed: expired already, or sent and past its deadline (the expiry job is on its way)."""
        return self.status == self.EXPIRED or (self.status == self.SENT and not self.awaits_answer(now))

    @classmethod
    def awaiting_answer(cls, now) -> Q:
        """`awaits_answer` as a filter, for selectors that load many offers at once."""
        return Q(status=cls.SENT, expires_at__gt=now)


def new_waitlist_token() -> str:
    return secrets.token_urlsafe(24)


class WaitlistEntry(models.Model):
    class Target(models.TextChoices):
        SESSION = "session", _("one session")
        SERVICE_RANGE = "service_range", _("any session in a date range")
        DATE = "date", _("an appointment on a date")

    class Source(models.TextChoices):
        WEB = "web", _("booking site")
        OPERATOR = "operator", _("staff")
        API = "api", _("API")
        IMPORT = "import", _("import")
        CAMPAIGN = "campaign", _("campaign code")

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting")
        OFFER_PREPARED = "offer_prepared", _("offer prepared")
        OFFERED = "offered", _("offered")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        EXPIRED = "expired", _("expired")
        REMOVED = "removed", _("removed")

    # Entries still in the running for a place.
    LIVE_STATUSES = (Status.WAITING, Status.OFFER_PREPARED, Status.OFFERED)

    service = models.ForeignKey("booking_core.Service", on_delete=models.PROTECT, related_name="waitlist_entries")
    target_kind = models.CharField(max_length=20, choices=Target.choices)
    session = models.ForeignKey("booking_core.Session", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="waitlist_entries")
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    staff = models.ForeignKey("booking_core.StaffMember", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    # One string per target ("session:12", "range:3:2026-12-01:2026-12-31", "date:4:2026-12-03:any"), so that
    # "one live entry per client and target" is a plain unique index.
    target_key = models.CharField(max_length=100, editable=False)
    client = models.ForeignKey("booking_core.Client", on_delete=models.PROTECT, related_name="waitlist_entries")
    language = models.CharField(max_length=2, choices=LANGUAGE_CHOICES, default="en")
    seats_wanted = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    # The booking form's answers, validated on joining, so an accepted offer books without asking again.
    answers = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.WEB)
    campaign_code = models.CharField(max_length=50, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.WAITING)
    priority = models.IntegerField(default=0, validators=[MinValueValidator(-1000), MaxValueValidator(1000)],
                                   help_text=_("Higher goes first; equal priorities by time of joining."))
    priority_reason = models.CharField(max_length=300, blank=True)
    priority_changed_by = models.CharField(max_length=200, blank=True)
    priority_changed_at = models.DateTimeField(null=True, blank=True)
    token = models.CharField(max_length=64, unique=True, default=new_waitlist_token, editable=False)
    # Activity, so an operator sees who is responsive.
    offers_sent = models.PositiveIntegerField(default=0)
    emails_opened = models.PositiveIntegerField(default=0)
    links_clicked = models.PositiveIntegerField(default=0)
    page_views = models.PositiveIntegerField(default=0)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-priority", "created_at", "id"]
        verbose_name_plural = "waitlist entries"
        indexes = [
            models.Index(fields=["target_key", "status"], name="waitlist_target_status"),
            models.Index(fields=["service", "status"], name="waitlist_service_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "target_key"], condition=Q(status__in=["waiting", "offer_prepared", "offered"]),
                name="waitlist_one_live_entry_per_client_and_target",
                violation_error_message=_("You are already on this waitlist."),
            ),
            models.CheckConstraint(condition=Q(seats_wanted__gte=1), name="waitlist_at_least_one_seat"),
            models.CheckConstraint(
                condition=(
                    Q(target_kind="session", session__isnull=False, date_from__isnull=True)
                    | Q(target_kind="service_range", session__isnull=True, date_from__isnull=False,
                        date_to__gte=models.F("date_from"))
                    | Q(target_kind="date", session__isnull=True, date_from__isnull=False,
                        date_to=models.F("date_from"))
                ),
                name="waitlist_target_is_consistent",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.client} → {self.target_key} ({self.status})"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE_STATUSES

    def snapshot(self) -> dict:
        return {
            "status": self.status, "target": self.target_key, "seats_wanted": self.seats_wanted,
            "priority": self.priority, "priority_reason": self.priority_reason, "source": self.source,
        }


class Offer(OfferDeadlineRules, models.Model):
    class Status(models.TextChoices):
        PREPARED = "prepared", _("prepared")  # holds the seats; waits for an operator to release it
        SENT = "sent", _("sent")  # holds the seats until the client answers or it expires
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        EXPIRED = "expired", _("expired")
        SKIPPED = "skipped", _("skipped")  # the operator passed over this candidate for this place
        WITHDRAWN = "withdrawn", _("withdrawn")  # the operator returned the place to general sale

    # Offers that hold their seats.
    OPEN_STATUSES = (Status.PREPARED, Status.SENT)

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.PROTECT, related_name="offers")
    service = models.ForeignKey("booking_core.Service", on_delete=models.PROTECT, related_name="offers")
    session = models.ForeignKey("booking_core.Session", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="offers")
    staff = models.ForeignKey("booking_core.StaffMember", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="offers")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # Appointments: the staff member's time the offer holds, buffers included (as a booking would).
    blocked_from = models.DateTimeField(null=True, blank=True)
    blocked_until = models.DateTimeField(null=True, blank=True)
    seats = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PREPARED)
    token = models.CharField(max_length=64, unique=True, default=new_waitlist_token, editable=False)
    made_by_operator = models.BooleanField(default=False)
    # When the place this offer fills became free: the start of "freed seat to new booking".
    freed_at = models.DateTimeField()
    prepared_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    booking = models.OneToOneField("booking_core.Booking", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="waitlist_offer")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-prepared_at", "-id"]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="offer_status_expiry"),
            models.Index(fields=["session", "status"], name="offer_session_status"),
            models.Index(fields=["staff", "status"], name="offer_staff_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(seats__gte=1), name="offer_at_least_one_seat"),
            models.CheckConstraint(
                condition=Q(session__isnull=False, staff__isnull=True) | Q(session__isnull=True, staff__isnull=False),
                name="offer_is_either_group_or_individual",
            ),
            # An entry is offered one place at a time.
            models.UniqueConstraint(fields=["entry"], condition=Q(status__in=["prepared", "sent"]),
                                    name="offer_one_open_offer_per_entry"),
        ]

    def __str__(self):
        return f"offer #{self.pk} to {self.entry.client} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def snapshot(self) -> dict:
        return {
            "status": self.status, "entry": self.entry_id, "session": self.session_id, "staff": self.staff_id,
            "starts_at": self.starts_at.isoformat() if self.starts_at else None, "seats": self.seats,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "booking": self.booking_id,
        }
