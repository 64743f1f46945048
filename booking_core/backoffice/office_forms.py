"""Forms of the calendar, the clients pages and "book for a client": they only check the input; the services
decide (and their refusals are put next to the fields they name)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.services.operator_payments import PaymentChoice
from booking_core.models import FormField
from tenants.models import LANGUAGE_CHOICES

CALENDAR_VIEWS = [("week", _("Week")), ("day", _("Day"))]


class CalendarForm(forms.Form):
    view = forms.ChoiceField(label=_("Show"), required=False, choices=CALENDAR_VIEWS)
    date = forms.DateField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    staff = forms.TypedChoiceField(label=_("Staff or resource"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].choices = [("", _("Everyone"))] + [(member.pk, member.name) for member in staff]


class ClientSearchForm(forms.Form):
    q = forms.CharField(label=_("Name, email or phone"), required=False, max_length=200)


class ClientMergeForm(forms.Form):
    duplicate = forms.IntegerField(label=_("Client number of the duplicate"), min_value=1,
                                   help_text=_("Their bookings, waitlist entries and sign-ups move to this client, "
                                               "and the duplicate is removed."))
    confirm = forms.BooleanField(label=_("Yes, merge them: this cannot be undone"))


class BookingNoteForm(forms.Form):
    note = forms.CharField(label=_("Note (only the organisation sees it)"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class BookForClientForm(forms.Form):
    """Who, when and the answers; the time fields depend on the service's kind (a session, or a staff member,
    a date and a time)."""

    session = forms.TypedChoiceField(label=_("Session"), coerce=int, required=False, empty_value=None)
    seats = forms.IntegerField(label=_("Seats"), min_value=1, max_value=100, initial=1, required=False)
    allow_overbooking = forms.BooleanField(
        label=_("Accept overbooking: book even beyond the session's capacity (recorded)"), required=False)
    staff = forms.TypedChoiceField(label=_("Staff or resource"), coerce=int, required=False, empty_value=None)
    date = forms.DateField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label=_("Time"), required=False, widget=forms.TimeInput(attrs={"type": "time", "step": 300}))
    name = forms.CharField(label=_("Client's name"), max_length=200)
    email = forms.EmailField(label=_("Client's email"),
                             help_text=_("An existing client's email books for them; a new one adds the client."))
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    language = forms.ChoiceField(label=_("Language of the client's emails"), choices=LANGUAGE_CHOICES)
    request_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100)

    ANSWER_PREFIX = "answer_"

    def __init__(self, *args, service, sessions=(), staff=(), questions=(), language="en", **kwargs):
        super().__init__(*args, **kwargs)
        self.service = service
        if service.is_group:
            for name in ("staff", "date", "time"):
                del self.fields[name]
            self.fields["session"].required = True
            self.fields["seats"].required = True
            self.fields["session"].choices = [("", _("Choose a session"))] + [
                (session.pk, _session_label(session)) for session in sessions]
        else:
            for name in ("session", "seats", "allow_overbooking"):
                del self.fields[name]
            self.fields["date"].required = self.fields["time"].required = True
            self.fields["staff"].choices = [("", _("The first one free"))] + [
                (member.pk, member.name) for member in staff]
        self.questions = list(questions)
        for question in self.questions:
            self.fields[self.ANSWER_PREFIX + question.key] = _answer_field(question, language)
        if service.price_amount > 0:
            # Required by the service (billing.services.operator_payments), which also refuses a link without an
            # online payments account: the refusal lands next to this field.
            self.fields["payment"] = forms.ChoiceField(
                label=_("How is it paid?"), choices=PaymentChoice.choices, required=False,
                widget=forms.RadioSelect,
                help_text=_("The service has a price. A payment link needs the organisation's Stripe account."))

    def answers(self) -> dict:
        answers = {}
        for question in self.questions:
            value = self.cleaned_data.get(self.ANSWER_PREFIX + question.key)
            if value not in (None, "", []):
                answers[question.key] = value
        return answers

    def answer_fields(self):
        return [self[self.ANSWER_PREFIX + question.key] for question in self.questions]

    def add_service_errors(self, fields: dict) -> bool:
        """Put a service's refusal next to the fields it names; True when any was placed."""
        placed = False
        aliases = {"starts_at": "time", "client.name": "name", "client.email": "email", "client.phone": "phone"}
        for name, problems in fields.items():
            target = aliases.get(name, name)
            if target not in self.fields and self.ANSWER_PREFIX + target in self.fields:
                target = self.ANSWER_PREFIX + target
            if target in self.fields:
                for problem in problems:
                    self.add_error(target, problem)
                placed = True
        return placed

    def starts_at(self, zone) -> dt.datetime:
        return dt.datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"], tzinfo=zone)


def _session_label(session) -> str:
    from django.utils import timezone

    local = timezone.localtime(session.starts_at)
    free = session.capacity + session.accepted_overbooking - session.seats_booked - session.seats_held
    return f"{local:%Y-%m-%d %H:%M} · {session.location or session.service} · " + str(
        _("%(free)d of %(capacity)d free") % {"free": max(0, free), "capacity": session.capacity})


def _answer_field(question: FormField, language: str) -> forms.Field:
    label = question.label(language) or question.key
    kind = question.field_type
    common = {"label": label, "required": False}
    if kind == FormField.Type.LONG_TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)
    if kind == FormField.Type.SINGLE_CHOICE:
        return forms.ChoiceField(choices=[("", "—")] + [(value, question.choice_label(value, language))
                                                        for value in question.choice_values()], **common)
    if kind == FormField.Type.MULTIPLE_CHOICE:
        return forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, **common,
                                         choices=[(value, question.choice_label(value, language))
                                                  for value in question.choice_values()])
    if kind == FormField.Type.CHECKBOX:
        return forms.BooleanField(**common)
    if kind == FormField.Type.DATE:
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    return forms.CharField(**common)
