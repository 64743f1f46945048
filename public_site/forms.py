"""Forms of the booking site: what a page's query string means, and the booking form built from a
service's own questions.

The forms only parse and give field-level feedback; the booking services decide (their errors are mapped
back onto the fields they name).
"""

from __future__ import annotations

import datetime as dt
import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from booking_core.api.fields import ID_MAX, INTEGER_MAX
from booking_core.models import FormField, Service
from booking_core.services.bookings import ClientDetails

ANSWER_PREFIX = "answer_"
# Dates in query strings outside these years are nobody's booking (and near the ends of Python's calendar,
# adding a day or an offset overflows).
EARLIEST_YEAR, LATEST_YEAR = 1900, 9000
CLIENT_FIELDS = {"client.name": "name", "client.email": "email", "client.phone": "phone"}


def start_parameter(value: dt.datetime) -> str:
    """A start time as it travels in the site's URLs: UTC, ISO 8601, to the minute (`2025-06-10T07:00Z`)."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%MZ")


def new_idempotency_key() -> str:
    """One per rendered booking form: submitting it twice must give one booking."""
    return "web-" + secrets.token_urlsafe(24)


class MonthForm(forms.Form):
    """`?month=2025-06` on a service page."""

    # ASCII digits only: `\d` also matches other scripts' digits, which int() reads as well.
    month = forms.RegexField(regex=r"^[0-9]{4}-(0[1-9]|1[0-2])$", required=False)

    def clean_month(self) -> dt.date | None:
        value = self.cleaned_data.get("month")
        if not value:
            return None
        year, month = (int(part) for part in value.split("-"))
        if not EARLIEST_YEAR <= year <= LATEST_YEAR:
            raise forms.ValidationError(_("Out of range."), code="out_of_range")
        return dt.date(year, month, 1)

    def first_day(self, default: dt.date) -> dt.date:
        """The month asked for, or `default`'s month when none (or nonsense) is asked for."""
        value = self.cleaned_data.get("month") if self.is_valid() else None
        return value or default.replace(day=1)


class StaffFilterForm(forms.Form):
    staff = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX)


class LaterSessionsForm(forms.Form):
    """`?after=<session id>`: the next page of a group service's sessions."""

    after = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX)


class StartForm(forms.Form):
    """Which appointment: `?start=<UTC ISO time>&staff=<id>` (staff optional)."""

    start = forms.DateTimeField()
    staff = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX)

    def clean_start(self):
        value = self.cleaned_data["start"]
        if value.tzinfo is None:
            raise forms.ValidationError(_("Give the time with its offset."))
        try:
            value = value.astimezone(dt.UTC)
        except OverflowError:  # 9999-12-31T23:59-01:00 is after the last moment Python knows
            value = None
        if value is None or not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
            raise forms.ValidationError(_("Out of range."), code="out_of_range")
        return value


class SessionSeatsForm(forms.Form):
    """Which session and how many seats: `?session=<id>&seats=<n>`."""

    session = forms.IntegerField(min_value=1, max_value=ID_MAX)
    seats = forms.IntegerField(min_value=1, max_value=INTEGER_MAX, required=False)

    def clean_seats(self):
        return self.cleaned_data.get("seats") or 1


class SeatsForm(forms.Form):
    def __init__(self, *args, max_seats: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seats"] = forms.TypedChoiceField(
            label=_("Seats"), coerce=int, initial=1,
            choices=[(number, str(number)) for number in range(1, max_seats + 1)],
        )


class RescheduleForm(forms.Form):
    start = forms.DateTimeField()
    staff = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX)


def question_field(question: FormField, language: str) -> forms.Field:
    """The form field that asks one of the service's questions."""
    common = {"label": question.label(language), "help_text": question.help_text(language),
              "required": question.required}
    kind = question.field_type
    choices = [(value, question.choice_label(value, language)) for value in question.choice_values()]
    if kind == FormField.Type.TEXT:
        return forms.CharField(max_length=question.max_length or 500, **common)
    if kind == FormField.Type.LONG_TEXT:
        return forms.CharField(max_length=question.max_length or 5000, widget=forms.Textarea(attrs={"rows": 4}),
                               **common)
    if kind == FormField.Type.EMAIL:
        return forms.EmailField(max_length=question.max_length or 254, **common)
    if kind == FormField.Type.PHONE:
        return forms.CharField(max_length=question.max_length or 40,
                               widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}), **common)
    if kind == FormField.Type.NUMBER:
        return forms.DecimalField(min_value=question.min_value, max_value=question.max_value,
                                  widget=forms.NumberInput(attrs={"step": "any"}), **common)
    if kind == FormField.Type.SINGLE_CHOICE:
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    if kind == FormField.Type.MULTIPLE_CHOICE:
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
    if kind == FormField.Type.CHECKBOX:
        return forms.BooleanField(**common)
    if kind == FormField.Type.DATE:
        return forms.DateField(input_formats=["%Y-%m-%d"], widget=forms.DateInput(attrs={"type": "date"},
                                                                                   format="%Y-%m-%d"), **common)
    raise ValueError(f"unsupported question type {kind}")


class ClientDetailsForm(forms.Form):
    """The client's contact details and the answers to the questions of a service (or a programme: it has the
    same kind of form), in their order. The services decide; their per-field refusals come back with
    `add_service_errors`."""

    field_template = "public_site/forms/field.html"
    label_suffix = ""
    # The services' names for fields (in their errors) -> this form's field names.
    service_field_names = CLIENT_FIELDS

    name = forms.CharField(label=_("Your name"), max_length=200,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label=_("Email"), max_length=254,
                             help_text=_("We send the confirmation and your booking's links here."),
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))

    def __init__(self, *args, service, language: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.service = service
        self.questions = list(service.form_fields.all())
        for question in self.questions:
            self.fields[ANSWER_PREFIX + question.key] = question_field(question, language)
        for field in self.fields.values():
            field.template_name = self.field_template

    @property
    def contact_fields(self):
        return [self[name] for name in ("name", "email", "phone")]

    @property
    def question_fields(self):
        return [self[ANSWER_PREFIX + question.key] for question in self.questions]

    def client(self) -> ClientDetails:
        data = self.cleaned_data
        return ClientDetails(name=data["name"], email=data["email"], phone=data.get("phone") or "")

    def answers(self) -> dict:
        """Answers as the booking services take them: {question key: value}."""
        answers = {}
        for question in self.questions:
            value = self.cleaned_data.get(ANSWER_PREFIX + question.key)
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif question.field_type == FormField.Type.NUMBER and value is not None:
                value = str(value)
            elif value is None:
                value = ""
            answers[question.key] = value
        return answers

    def _field_for(self, service_name: str) -> str | None:
        target = self.service_field_names.get(service_name) or ANSWER_PREFIX + service_name
        return target if target in self.fields else None

    def add_service_errors(self, fields: dict[str, list[str]]) -> list[str]:
        """Put a service's per-field messages next to the fields they name; return the rest."""
        unplaced = []
        for name, messages in fields.items():
            target = self._field_for(name)
            for message in messages:
                if target:
                    self.add_error(target, message)
                else:
                    unplaced.append(message)
        return unplaced


class BookingForm(ClientDetailsForm):
    """The booking form of a service.

    `idempotency_key` is made when the form is first shown and travels with every submit (the review
    page carries all values as hidden fields), so a second submit finds the first booking.
    """

    idempotency_key = forms.CharField(max_length=100, widget=forms.HiddenInput)

    def __init__(self, *args, service: Service, language: str, **kwargs):
        super().__init__(*args, service=service, language=language, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", new_idempotency_key())


class WaitlistJoinForm(ClientDetailsForm):
    """Joining a waitlist: how many seats (group sessions), the contact details and the service's questions,
    answered now so that an accepted offer books without asking again."""

    service_field_names = {**CLIENT_FIELDS, "seats": "seats"}

    def __init__(self, *args, service: Service, language: str, seat_choices: list[int] | None = None, **kwargs):
        super().__init__(*args, service=service, language=language, **kwargs)
        self.fields["email"].help_text = _("We send your place on the waitlist, and any offer, here.")
        if seat_choices:
            self.fields["seats"] = forms.TypedChoiceField(
                label=_("How many seats?"), coerce=int, initial=seat_choices[0],
                choices=[(number, str(number)) for number in seat_choices],
            )
            self.fields["seats"].template_name = self.field_template

    @property
    def seats_field(self):
        return self["seats"] if "seats" in self.fields else None

    def seats(self) -> int:
        return self.cleaned_data.get("seats") or 1
