"""The webhook endpoint form: it checks the shape of the input; the services decide the rest (the address's
network, the event names)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from booking_core.webhooks.events import EVENT_TYPES, TEST_EVENT


class EndpointForm(forms.Form):
    url = forms.URLField(label=_("Address (URL)"), max_length=500, assume_scheme="https",
                         widget=forms.URLInput(attrs={"placeholder": "https://example.com/allot-webhooks"}))
    description = forms.CharField(label=_("Description"), required=False, max_length=200)
    event_types = forms.MultipleChoiceField(
        label=_("Events"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(name, name) for name in EVENT_TYPES if name != TEST_EVENT],
        help_text=_("None ticked: every event."))
    is_enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
