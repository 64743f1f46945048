"""A programme: a named period of weekly groups (e.g. "Swimming, December") that people sign up for.

How places are given out is a property of the programme: the strategy (fast fill or balanced), when
allocation happens (immediately on sign-up, or in one batch when the sign-up window closes), the order a
batch serves sign-ups in (arrival, or a lottery whose seed is recorded here), and whether returning
participants of the previous period go first.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from booking_core.models.catalogue import FormQuestion, OfferRelease, currency_validator, offers_sent_automatically
from booking_core.models.translated import TranslatedFieldsMixin


class Programme(TranslatedFieldsMixin, models.Model):
    class Strategy(models.TextChoices):
        FAST_FILL = "fast_fill", _("fast fill: fill one group before opening the next")
        BALANCED = "balanced", _("balanced: spread participants evenly across groups")

    class AllocationMode(models.TextChoices):
        IMMEDIATE = "immediate", _("immediately on sign-up")
        BATCH = "batch", _("in one batch when the sign-up window closes")

    class OrderMode(models.TextChoices):
        ARRIVAL = "arrival", _("by time of sign-up")
        LOTTERY = "lottery", _("by a seeded lottery")

    OfferRelease = OfferRelease

    slug = models.SlugField(max_length=80, unique=True)
    name_en = models.CharField(max_length=200, blank=True)
    name_hu = models.CharField(max_length=200, blank=True)
    name_de = models.CharField(max_length=200, blank=True)
    description_en = models.TextField(blank=True)
    description_hu = models.TextField(blank=True)
    description_de = models.TextField(blank=True)
    period_start = models.DateField(help_text=_("First day of the programme (sessions are generated from here)."))
    period_end = models.DateField(help_text=_("Last day of the programme."))
    signup_opens_at = models.DateTimeField()
    signup_closes_at = models.DateTimeField()
    price_amount = models.PositiveIntegerField(default=0, help_text=_("In minor units (cents, fillér)."))
    price_currency = models.CharField(max_length=3, default="EUR", validators=[currency_validator])
    strategy = models.CharField(max_length=20, choices=Strategy.choices, default=Strategy.FAST_FILL)
    allocation_mode = models.CharField(max_length=20, choices=AllocationMode.choices, default=AllocationMode.BATCH)
    order_mode = models.CharField(max_length=20, choices=OrderMode.choices, default=OrderMode.ARRIVAL,
                                  help_text=_("Batch allocation: the order in which sign-ups are served."))
    lottery_seed = models.BigIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0)],
        help_text=_("Recorded so that anyone can replay the lottery; drawn when the lottery is chosen."),
    )
    batch_runs_at_close = models.BooleanField(
        default=True,
        help_text=_("Allocate automatically when the window closes; off: staff preview and run it themselves."),
    )
    min_group_size = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1)],
        help_text=_("Groups with fewer participants when the window closes are flagged for a decision."),
    )
    returning_priority_enabled = models.BooleanField(
        default=False, help_text=_("Participants of the previous period are served first."),
    )
    previous_programme = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                           related_name="next_programmes")
    offer_auto_send = models.CharField(
        max_length=10, choices=OfferRelease.choices, default=OfferRelease.INHERIT,
        help_text=_("Send offers of freed places at once (on), or keep them until staff release them (off)."),
    )
    offer_validity_hours = models.PositiveIntegerField(
        default=48, validators=[MinValueValidator(1), MaxValueValidator(24 * 14)],
        help_text=_("How long a participant has to accept an offered place."),
    )
    is_published = models.BooleanField(default=False, help_text=_("Shown on the booking site."))
    # Counter for waitlist numbers, advanced under the programme's row lock.
    next_waitlist_number = models.PositiveIntegerField(default=1, editable=False)
    allocated_at = models.DateTimeField(null=True, blank=True, editable=False,
                                        help_text=_("When the batch allocation was committed."))
    window_closed_at = models.DateTimeField(null=True, blank=True, editable=False,
                                            help_text=_("When the closing of the sign-up window was processed."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-period_start", "id"]
        indexes = [models.Index(fields=["is_published", "signup_closes_at"], name="programme_open_window")]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="programme_period_in_order",
                                   violation_error_message=_("The period must not end before it starts.")),
            models.CheckConstraint(condition=Q(signup_closes_at__gt=F("signup_opens_at")),
                                   name="programme_window_in_order",
                                   violation_error_message=_("The sign-up window must close after it opens.")),
            models.CheckConstraint(condition=Q(min_group_size__gte=1), name="programme_min_group_size_positive"),
        ]

    def __str__(self):
        return self.translated("name") or self.slug

    def clean(self):
        super().clean()
        errors = {}
        if not (self.name_en or self.name_hu or self.name_de):
            errors["name_en"] = _("Give the programme a name in at least one language.")
        if self.period_start and self.period_end:
            if self.period_end < self.period_start:
                errors["period_end"] = _("The period must not end before it starts.")
            elif (self.period_end - self.period_start).days > 366:
                errors["period_end"] = _("A programme lasts at most a year.")
        if self.signup_opens_at and self.signup_closes_at and self.signup_closes_at <= self.signup_opens_at:
            errors["signup_closes_at"] = _("The sign-up window must close after it opens.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_batch(self) -> bool:
        return self.allocation_mode == self.AllocationMode.BATCH

    @property
    def awaits_batch_allocation(self) -> bool:
        """A batch programme has no places until its allocation is committed: until then everyone signed up
        is pending, groups show their size rather than places left, and no freed place is offered."""
        return self.is_batch and self.allocated_at is None

    def window_is_open(self, now) -> bool:
        return self.is_published and self.signup_opens_at <= now < self.signup_closes_at

    def serving_priority(self, is_returning: bool) -> int:
        """A sign-up's priority under the current setting (higher is served first): never frozen at sign-up,
        so switching returning priority on or off before the batch counts for everyone signed up."""
        return int(bool(is_returning) and self.returning_priority_enabled)

    def offers_sent_automatically(self, tenant) -> bool:
        return offers_sent_automatically(self.offer_auto_send, tenant)


class ProgrammeFormField(FormQuestion):
    """One question of a programme's sign-up form: the same kinds of question as a service's booking form."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="form_fields")

    class Meta:
        ordering = ["programme", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["programme", "key"], name="programme_form_field_unique_key")]

    def __str__(self):
        return f"{self.programme}: {self.key}"
