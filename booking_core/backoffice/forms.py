"""The back office's forms: they only check the input; the services decide."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from booking_core.models import Booking

ORDER_CHOICES = [
    ("-start", _("Latest start first")),
    ("start", _("Earliest start first")),
    ("-created", _("Newest booked first")),
]


class BookingFilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    service = forms.TypedChoiceField(label=_("Service"), required=False, coerce=int, empty_value=None)
    staff = forms.TypedChoiceField(label=_("Staff"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("Status"), required=False)
    source = forms.ChoiceField(label=_("Source"), required=False)
    q = forms.CharField(label=_("Client (name or email)"), required=False, max_length=200)
    order = forms.ChoiceField(label=_("Order"), required=False, choices=ORDER_CHOICES)

    def __init__(self, *args, services=(), staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", _("All services"))] + [(s.pk, str(s)) for s in services]
        self.fields["staff"].choices = [("", _("Everyone"))] + [(member.pk, member.name) for member in staff]
        self.fields["source"].choices = [("", _("Any source"))] + list(Booking.Source.choices)
        self.fields["status"].choices = [("", _("Any status"))] + list(Booking.Status.choices)

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return cleaned


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason (the client sees it)"), required=False, max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))
    # Refunds (billing): blank refunds by the service's cancellation policy; an amount overrides it (audited).
    refund_amount = forms.IntegerField(label=_("Refund instead of the policy's (minor units, optional)"),
                                       required=False, min_value=0)


class AttendanceForm(forms.Form):
    attended = forms.TypedChoiceField(choices=[("1", _("Attended")), ("0", _("No-show"))],
                                      coerce=lambda value: value == "1")


class RescheduleForm(forms.Form):
    """A new local date and time for an appointment (in the organisation's zone)."""

    date = forms.DateField(label=_("New date"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label=_("New time"), widget=forms.TimeInput(attrs={"type": "time", "step": 300}))

    def starts_at(self, zone) -> dt.datetime:
        return dt.datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"], tzinfo=zone)


class DayOfferForm(forms.Form):
    """A place offered by hand on an appointment day: the local time and the staff member."""

    time = forms.TimeField(label=_("Time"), widget=forms.TimeInput(attrs={"type": "time", "step": 300}))
    staff = forms.TypedChoiceField(label=_("Staff"), coerce=int)

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].choices = [(member.pk, member.name) for member in staff]


class FiguresPeriodForm(forms.Form):
    """The period of the revenue protection figures: local dates, both ends included."""

    date_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to:
            if date_to < date_from:
                self.add_error("date_to", _("The end date must not be before the start date."))
            elif (date_to - date_from).days > 366:
                self.add_error("date_to", _("Choose a period of at most a year."))
        return cleaned
