"""The back office's catalogue forms (services, their questions, staff and their hours, group sessions): they
only check the input; the services in booking_core.services decide and save."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from booking_core.models import AvailabilityOverride, FormField, Service, StaffMember, TimeOff, WorkingHours
from booking_core.models.translated import LANGUAGES
from booking_core.services.sessions import MAX_SESSIONS_PER_RECURRENCE

WEEKDAYS = [(0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")), (4, _("Friday")),
            (5, _("Saturday")), (6, _("Sunday"))]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local", "step": 300}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


def model_changes(form) -> dict:
    """The model fields the operator changed, with their cleaned values."""
    return {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}


def model_values(form, *, exclude=()) -> dict:
    return {name: value for name, value in form.cleaned_data.items() if name not in exclude}


class VatPercentField(forms.DecimalField):
    """A VAT rate typed as a percentage (27 or 5.5), kept in basis points (2700, 550); empty is None."""

    def __init__(self, **kwargs):
        super().__init__(min_value=0, max_value=100, decimal_places=2, required=False, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, int):
            return f"{value / 100:g}"
        return value

    def clean(self, value):
        percent = super().clean(value)
        return None if percent is None else int(percent * 100)

    def has_changed(self, initial, data):
        try:
            return initial != self.clean(data)
        except ValidationError:
            return True


class ServiceForm(forms.ModelForm):
    vat_rate_bp = VatPercentField(
        label=_("VAT rate (%)"),
        help_text=_("The VAT included in this service's price, e.g. 27 or 5.5. Leave empty for the organisation's "
                    "default rate (invoicing settings)."))

    class Meta:
        model = Service
        fields = [
            "kind", "slug", "name_en", "name_hu", "name_de", "description_en", "description_hu", "description_de",
            "is_active", "position", "duration_minutes", "price_amount", "price_currency", "vat_rate_bp",
            "min_notice_minutes",
            "horizon_days", "cancellation_cutoff_minutes", "requires_approval", "self_service",
            "buffer_before_minutes", "buffer_after_minutes", "slot_interval_minutes", "staff_choice_enabled",
            "max_seats_per_booking", "offer_auto_send", "offer_validity_hours",
        ]
        labels = {
            "kind": _("Kind"), "slug": _("Address (slug)"), "name_en": _("Name (English)"),
            "name_hu": _("Name (Hungarian)"), "name_de": _("Name (German)"),
            "description_en": _("Description (English)"), "description_hu": _("Description (Hungarian)"),
            "description_de": _("Description (German)"), "is_active": _("Bookable"), "position": _("Position"),
            "duration_minutes": _("Duration (minutes)"), "price_amount": _("Price (minor units)"),
            "price_currency": _("Currency"), "min_notice_minutes": _("Minimum notice (minutes)"),
            "horizon_days": _("Bookable ahead (days)"),
            "cancellation_cutoff_minutes": _("Self-service cut-off (minutes before the start)"),
            "requires_approval": _("Bookings need approval"), "self_service": _("Clients cancel and reschedule"),
            "buffer_before_minutes": _("Buffer before (minutes)"), "buffer_after_minutes": _("Buffer after (minutes)"),
            "slot_interval_minutes": _("Start times every (minutes)"),
            "staff_choice_enabled": _("Clients may pick the staff member"),
            "max_seats_per_booking": _("Seats per booking at most"), "offer_auto_send": _("Waitlist offers"),
            "offer_validity_hours": _("Waitlist offers valid for (hours)"),
        }
        widgets = {name: forms.Textarea(attrs={"rows": 3})
                   for name in ("description_en", "description_hu", "description_de")}


class ChoicesField(forms.CharField):
    """A choice question's choices, one a line: `value | English | Hungarian | German` (the labels optional)."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(" | ".join([str(choice.get("value", "")), *(choice.get(code, "") for code in LANGUAGES)])
                             .rstrip(" |") for choice in value if isinstance(choice, dict))
        return value

    def to_python(self, value):
        if isinstance(value, list):
            return value
        choices = []
        for number, line in enumerate((value or "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            if len(parts) > 1 + len(LANGUAGES) or not parts[0]:
                raise ValidationError(_("Line %(number)d: write value | English | Hungarian | German."),
                                      params={"number": number})
            labels = {code: text for code, text in zip(LANGUAGES, parts[1:], strict=False) if text}
            choices.append({"value": parts[0], **labels})
        return choices

    def has_changed(self, initial, data):
        return (initial or []) != self.to_python(data)


class QuestionForm(forms.ModelForm):
    choices = ChoicesField(label=_("Choices (one a line: value | English | Hungarian | German)"), required=False)

    class Meta:
        model = FormField
        fields = ["key", "field_type", "position", "required", "label_en", "label_hu", "label_de", "help_en",
                  "help_hu", "help_de", "choices", "max_length", "min_value", "max_value"]
        labels = {
            "key": _("Key"), "field_type": _("Type"), "position": _("Position"), "required": _("Required"),
            "label_en": _("Question (English)"), "label_hu": _("Question (Hungarian)"),
            "label_de": _("Question (German)"), "help_en": _("Help (English)"), "help_hu": _("Help (Hungarian)"),
            "help_de": _("Help (German)"), "max_length": _("Longest answer (characters)"),
            "min_value": _("Smallest number"), "max_value": _("Largest number"),
        }


class StaffForm(forms.ModelForm):
    services = forms.ModelMultipleChoiceField(
        label=_("Services they give"), required=False, widget=forms.CheckboxSelectMultiple,
        queryset=Service.objects.none())

    class Meta:
        model = StaffMember
        fields = ["name", "email", "is_active"]
        labels = {"name": _("Name"), "email": _("Email"), "is_active": _("Takes bookings")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = Service.objects.filter(kind=Service.Kind.INDIVIDUAL).order_by(
            "position", "id")
        if self.instance.pk:
            self.initial["services"] = list(self.instance.services.values_list("pk", flat=True))


class WorkingHoursForm(forms.ModelForm):
    weekday = forms.TypedChoiceField(label=_("Day"), choices=WEEKDAYS, coerce=int)

    class Meta:
        model = WorkingHours
        fields = ["weekday", "start_time", "end_time"]
        labels = {"start_time": _("From"), "end_time": _("To")}
        widgets = {"start_time": TIME, "end_time": TIME}


class OverrideForm(forms.ModelForm):
    class Meta:
        model = AvailabilityOverride
        fields = ["date", "start_time", "end_time"]
        labels = {"date": _("Date"), "start_time": _("From (empty: day off)"), "end_time": _("To (empty: day off)")}
        widgets = {"date": DATE, "start_time": TIME, "end_time": TIME}


class TimeOffForm(forms.ModelForm):
    """Local times in the organisation's zone (the page's active zone)."""

    starts_at = forms.DateTimeField(label=_("From"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    ends_at = forms.DateTimeField(label=_("Until"), widget=DATETIME, input_formats=DATETIME_FORMATS)

    class Meta:
        model = TimeOff
        fields = ["starts_at", "ends_at", "reason"]
        labels = {"reason": _("Reason")}


class GroupServiceChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class SessionForm(forms.Form):
    """One session: a local date and time in the organisation's zone."""

    service = GroupServiceChoice(label=_("Service"), queryset=Service.objects.none())
    date = forms.DateField(label=_("Date"), widget=DATE)
    time = forms.TimeField(label=_("Time"), widget=TIME)
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=10_000)
    location = forms.CharField(label=_("Place"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(kind=Service.Kind.GROUP).order_by("position", "id")

    def starts_at(self, zone) -> dt.datetime:
        return dt.datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"], tzinfo=zone)


class SeriesForm(forms.Form):
    """A weekly series: each chosen weekday between two local dates, at one local time."""

    service = GroupServiceChoice(label=_("Service"), queryset=Service.objects.none())
    first_date = forms.DateField(label=_("First date"), widget=DATE)
    last_date = forms.DateField(label=_("Last date"), widget=DATE)
    weekdays = forms.TypedMultipleChoiceField(label=_("Weekdays"), choices=WEEKDAYS, coerce=int,
                                              widget=forms.CheckboxSelectMultiple)
    time = forms.TimeField(label=_("Time"), widget=TIME)
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=10_000)
    location = forms.CharField(label=_("Place"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(kind=Service.Kind.GROUP).order_by("position", "id")

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first_date"), cleaned.get("last_date")
        if first and last:
            if last < first:
                self.add_error("last_date", _("The last date must not be before the first."))
            elif (last - first).days > MAX_SESSIONS_PER_RECURRENCE:
                self.add_error("last_date", _("Choose a period of at most %(days)d days.")
                               % {"days": MAX_SESSIONS_PER_RECURRENCE})
        return cleaned


class CapacityForm(forms.Form):
    capacity = forms.IntegerField(label=_("New capacity"), min_value=1, max_value=10_000)
    keep_existing_bookings = forms.BooleanField(
        label=_("If it is below the seats taken: keep those bookings (no new ones until there is room)"),
        required=False)


class SessionCancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason (everyone booked gets it)"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))
