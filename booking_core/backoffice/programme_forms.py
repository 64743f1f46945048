"""Forms of the back office's programme editing pages: a programme (names, period, sign-up window, price,
allocation) and one of its groups (name, weekday and time, duration, place, capacity). They check the input;
booking_core.programmes.services decide, save and audit."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from booking_core.backoffice.catalogue_forms import DATE, DATETIME, DATETIME_FORMATS, TIME
from booking_core.programmes.models import Programme, ProgrammeGroup

TEXTAREA = forms.Textarea(attrs={"rows": 3})


class ProgrammeForm(forms.ModelForm):
    """Times are local to the organisation's zone (the back office's active zone)."""

    signup_opens_at = forms.DateTimeField(label=_("Sign-up opens"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    signup_closes_at = forms.DateTimeField(label=_("Sign-up closes"), widget=DATETIME,
                                           input_formats=DATETIME_FORMATS)

    class Meta:
        model = Programme
        fields = [
            "slug", "name_en", "name_hu", "name_de", "description_en", "description_hu", "description_de",
            "period_start", "period_end", "signup_opens_at", "signup_closes_at", "price_amount", "price_currency",
            "strategy", "allocation_mode", "order_mode", "batch_runs_at_close", "min_group_size",
            "returning_priority_enabled", "offer_auto_send", "offer_validity_hours", "is_published",
        ]
        labels = {
            "slug": _("Address (slug)"), "name_en": _("Name (English)"), "name_hu": _("Name (Hungarian)"),
            "name_de": _("Name (German)"), "description_en": _("Description (English)"),
            "description_hu": _("Description (Hungarian)"), "description_de": _("Description (German)"),
            "period_start": _("First day"), "period_end": _("Last day"), "price_amount": _("Price (minor units)"),
            "price_currency": _("Currency"), "strategy": _("Allocation strategy"),
            "allocation_mode": _("When places are allocated"), "order_mode": _("Batch order"),
            "batch_runs_at_close": _("Allocate automatically when the window closes"),
            "min_group_size": _("Smallest group that runs"),
            "returning_priority_enabled": _("Returning participants first"), "offer_auto_send": _("Place offers"),
            "offer_validity_hours": _("Place offers valid for (hours)"), "is_published": _("Shown on the booking site"),
        }
        widgets = {"period_start": DATE, "period_end": DATE, "description_en": TEXTAREA,
                   "description_hu": TEXTAREA, "description_de": TEXTAREA}

    def _post_clean(self):
        # The service validates the programme (and its lock decides what may still change); the form only
        # parses. A ModelForm would otherwise write the input onto the instance the page shows.
        pass


class GroupForm(forms.ModelForm):
    """A group's weekly slot; its start time is local to the organisation's zone."""

    class Meta:
        model = ProgrammeGroup
        fields = ["name_en", "name_hu", "name_de", "weekday", "start_time", "duration_minutes", "location",
                  "capacity", "position"]
        labels = {
            "name_en": _("Name (English)"), "name_hu": _("Name (Hungarian)"), "name_de": _("Name (German)"),
            "weekday": _("Weekday"), "start_time": _("Start time"), "duration_minutes": _("Duration (minutes)"),
            "location": _("Place"), "capacity": _("Capacity"), "position": _("Position (fast fill order)"),
        }
        widgets = {"start_time": TIME}

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            # A group's capacity has its own action (fewer places move people out, more go to the waitlist).
            del self.fields["capacity"]

    def _post_clean(self):
        pass  # validated by the service (see ProgrammeForm)
