"""What an organisation offers: services and the booking form each one asks clients to fill in."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from booking_core.models.translated import TranslatedFieldsMixin, pick_translation

# Appointments live on a 5-minute grid: slot claims (the overbooking guard) are 5-minute cells.
GRID_MINUTES = 5

currency_validator = RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter ISO 4217 currency code."))


def validate_on_grid(value: int) -> None:
    if value % GRID_MINUTES:
        raise ValidationError(_("Use a multiple of %(grid)s minutes."), params={"grid": GRID_MINUTES})


class OfferRelease(models.TextChoices):
    """Whether prepared waitlist offers go out at once, for a service or a programme."""

    INHERIT = "inherit", _("as the organisation's default")
    ON = "on", _("send waitlist offers at once")
    OFF = "off", _("staff release waitlist offers")


def offers_sent_automatically(setting: str, tenant) -> bool:
    if setting == OfferRelease.INHERIT:
        return bool(getattr(tenant, "waitlist_auto_send_enabled", True))
    return setting == OfferRelease.ON


class Service(TranslatedFieldsMixin, models.Model):
    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("individual appointment")
        GROUP = "group", _("group session")

    class SelfService(models.TextChoices):
        INHERIT = "inherit", _("as the organisation's default")
        ON = "on", _("clients may cancel and reschedule")
        OFF = "off", _("only staff may cancel or reschedule")

    OfferRelease = OfferRelease

    kind = models.CharField(max_length=20, choices=Kind.choices)
    slug = models.SlugField(max_length=80, unique=True)
    name_en = models.CharField(max_length=200, blank=True)
    name_hu = models.CharField(max_length=200, blank=True)
    name_de = models.CharField(max_length=200, blank=True)
    description_en = models.TextField(blank=True)
    description_hu = models.TextField(blank=True)
    description_de = models.TextField(blank=True)
    duration_minutes = models.PositiveIntegerField(
        validators=[MinValueValidator(5), MaxValueValidator(24 * 60), validate_on_grid]
    )
    price_amount = models.PositiveIntegerField(default=0, help_text=_("In minor units (cents, fillér); 0 is free."))
    price_currency = models.CharField(max_length=3, default="EUR", validators=[currency_validator])
    # The VAT included in the price, in basis points (2700 = 27%); empty: the organisation's default rate
    # (its seller profile). Invoices carry the rate per line (billing.invoicing).
    vat_rate_bp = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(10000)],
        help_text=_("Empty: the organisation's default VAT rate."))
    is_active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)
    min_notice_minutes = models.PositiveIntegerField(default=60)
    horizon_days = models.PositiveIntegerField(default=60, validators=[MinValueValidator(1), MaxValueValidator(730)])
    cancellation_cutoff_minutes = models.PositiveIntegerField(default=24 * 60)
    self_service = models.CharField(max_length=10, choices=SelfService.choices, default=SelfService.INHERIT)
    requires_approval = models.BooleanField(
        default=False, help_text=_("New bookings stay pending until staff confirm them.")
    )
    # individual appointments
    buffer_before_minutes = models.PositiveIntegerField(default=0, validators=[validate_on_grid])
    buffer_after_minutes = models.PositiveIntegerField(default=0, validators=[validate_on_grid])
    slot_interval_minutes = models.PositiveIntegerField(
        default=15, validators=[MinValueValidator(5), validate_on_grid],
        help_text=_("Offered start times are this far apart."),
    )
    staff_choice_enabled = models.BooleanField(default=True, help_text=_("Clients may pick who serves them."))
    # waitlist
    offer_auto_send = models.CharField(
        max_length=10, choices=OfferRelease.choices, default=OfferRelease.INHERIT,
        help_text=_("Send prepared waitlist offers at once (on), or keep them until staff release them (off)."),
    )
    offer_validity_hours = models.PositiveIntegerField(
        default=24, validators=[MinValueValidator(1), MaxValueValidator(24 * 14)],
        help_text=_("How long a client has to accept a waitlist offer."),
    )
    # group sessions
    max_seats_per_booking = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.translated("name") or self.slug

    def clean(self):
        super().clean()
        if not (self.name_en or self.name_hu or self.name_de):
            raise ValidationError({"name_en": _("Give the service a name in at least one language.")})

    @property
    def is_individual(self) -> bool:
        return self.kind == self.Kind.INDIVIDUAL

    @property
    def is_group(self) -> bool:
        return self.kind == self.Kind.GROUP

    def offers_sent_automatically(self, tenant) -> bool:
        return offers_sent_automatically(self.offer_auto_send, tenant)

    def self_service_enabled(self, tenant) -> bool:
        if self.self_service == self.SelfService.INHERIT:
            return bool(tenant.self_service_enabled)
        return self.self_service == self.SelfService.ON


class FormQuestion(models.Model):
    """One question of a form clients fill in (a service's booking form, a programme's sign-up form): the
    kinds of question and their labels, help texts and choices in the three languages. Answers are checked
    against it by booking_core.services.answers.answers_validate."""

    class Type(models.TextChoices):
        TEXT = "text", _("text")
        LONG_TEXT = "long_text", _("long text")
        EMAIL = "email", _("email")
        PHONE = "phone", _("phone")
        NUMBER = "number", _("number")
        SINGLE_CHOICE = "single_choice", _("single choice")
        MULTIPLE_CHOICE = "multiple_choice", _("multiple choice")
        CHECKBOX = "checkbox", _("checkbox (consent)")
        DATE = "date", _("date")

    key = models.SlugField(max_length=50, help_text=_("Stable identifier of the answer."))
    field_type = models.CharField(max_length=20, choices=Type.choices)
    position = models.PositiveIntegerField(default=0)
    required = models.BooleanField(default=False)
    label_en = models.CharField(max_length=200, blank=True)
    label_hu = models.CharField(max_length=200, blank=True)
    label_de = models.CharField(max_length=200, blank=True)
    help_en = models.CharField(max_length=300, blank=True)
    help_hu = models.CharField(max_length=300, blank=True)
    help_de = models.CharField(max_length=300, blank=True)
    # [{"value": "beginner", "en": "Beginner", "hu": "Kezdő", "de": "Anfänger"}, ...]
    choices = models.JSONField(default=list, blank=True)
    max_length = models.PositiveIntegerField(null=True, blank=True)
    min_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    max_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        abstract = True

    def label(self, language: str | None = None) -> str:
        return pick_translation({code: getattr(self, f"label_{code}") for code in ("en", "hu", "de")}, language)

    def help_text(self, language: str | None = None) -> str:
        return pick_translation({code: getattr(self, f"help_{code}") for code in ("en", "hu", "de")}, language)

    def choice_values(self) -> list[str]:
        return [str(choice.get("value")) for choice in self.choices]

    def choice_label(self, value: str, language: str | None = None) -> str:
        for choice in self.choices:
            if str(choice.get("value")) == value:
                return pick_translation({code: choice.get(code, "") for code in ("en", "hu", "de")}, language) or value
        return value

    def clean(self):
        super().clean()
        if self.field_type in (self.Type.SINGLE_CHOICE, self.Type.MULTIPLE_CHOICE):
            if not isinstance(self.choices, list) or not self.choices:
                raise ValidationError({"choices": _("A choice question needs at least one choice.")})
            values = [choice.get("value") if isinstance(choice, dict) else None for choice in self.choices]
            if any(not value for value in values) or len(set(values)) != len(values):
                raise ValidationError({"choices": _("Every choice needs a distinct value.")})
        if not (self.label_en or self.label_hu or self.label_de):
            raise ValidationError({"label_en": _("Give the question a label in at least one language.")})


class FormField(FormQuestion):
    """One question of a service's booking form, in the order clients see them."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="form_fields")

    class Meta:
        ordering = ["service", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["service", "key"], name="form_field_unique_key_per_service")]

    def __str__(self):
        return f"{self.service}: {self.key}"
