"""The back office's settings forms: they check the input; tenants.services decides, saves and audits."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tenants.logos import ACCEPT
from tenants.models import LANGUAGE_CHOICES, Tenant

TIMEZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())
                    if "/" in name and not name.startswith(("Etc/", "SystemV/", "posix/", "right/"))]
MAX_REMINDERS = 5


class TenantSettingsForm(forms.Form):
    """A section of the organisation's settings; its fields are the Tenant fields of the same name."""

    def __init__(self, *args, tenant: Tenant, **kwargs):
        kwargs.setdefault("initial", {name: getattr(tenant, name) for name in self.base_fields})
        super().__init__(*args, **kwargs)

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.changed_data}


class ProfileForm(TenantSettingsForm):
    display_name = forms.CharField(label=_("Organisation name"), max_length=200)
    contact_email = forms.EmailField(label=_("Contact email"), required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), required=False, max_length=40)


class RegionForm(TenantSettingsForm):
    timezone = forms.ChoiceField(label=_("Time zone"), choices=TIMEZONE_CHOICES,
                                 help_text=_("Opening hours, sessions and messages use this zone."))
    enabled_languages = forms.MultipleChoiceField(label=_("Languages of the booking site"), choices=LANGUAGE_CHOICES,
                                                  widget=forms.CheckboxSelectMultiple)
    default_language = forms.ChoiceField(label=_("Default language"), choices=LANGUAGE_CHOICES)

    def clean(self):
        cleaned = super().clean()
        enabled, default = cleaned.get("enabled_languages"), cleaned.get("default_language")
        if enabled and default and default not in enabled:
            self.add_error("default_language", _("The default language must be one of the enabled ones."))
        return cleaned


class BrandingForm(TenantSettingsForm):
    primary_colour = forms.RegexField(
        label=_("Colour"), regex=r"^#[0-9a-fA-F]{6}$", max_length=7,
        error_messages={"invalid": _("Enter a colour as #RRGGBB.")},
        widget=forms.TextInput(attrs={"type": "color"}))
    button_style = forms.ChoiceField(label=_("Buttons"), choices=Tenant.ButtonStyle.choices)

    def clean_primary_colour(self):
        return self.cleaned_data["primary_colour"].lower()


class LogoForm(forms.Form):
    logo = forms.FileField(label=_("Logo (PNG, JPEG or WebP)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}))


class RemindersList(forms.CharField):
    """Minutes before the start, comma separated: "1440, 120"."""

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(minutes) for minutes in value)
        return value

    def to_python(self, value):
        if isinstance(value, list | tuple):
            return list(value)
        parts = [part.strip() for part in (value or "").replace(";", ",").split(",") if part.strip()]
        try:
            minutes = sorted({int(part) for part in parts}, reverse=True)
        except ValueError:
            raise ValidationError(_("Write whole minutes separated by commas, e.g. 1440, 120.")) from None
        if any(value < 5 or value > 60 * 24 * 30 for value in minutes):
            raise ValidationError(_("Each reminder is between 5 minutes and 30 days before the start."))
        if len(minutes) > MAX_REMINDERS:
            raise ValidationError(_("At most %(count)d reminders.") % {"count": MAX_REMINDERS})
        return minutes

    def has_changed(self, initial, data):
        try:
            return list(initial or []) != self.to_python(data)
        except ValidationError:
            return True


class BookingRulesForm(TenantSettingsForm):
    self_service_enabled = forms.BooleanField(
        label=_("Clients may cancel and reschedule their own bookings (services can differ)"), required=False)
    waitlist_auto_send_enabled = forms.BooleanField(
        label=_("Send waitlist offers as soon as a place frees up (off: staff release them; services can differ)"),
        required=False)
    reminder_offsets_minutes = RemindersList(
        label=_("Reminders, minutes before the start"), required=False,
        help_text=_("Comma separated, e.g. 1440, 120 (a day and two hours before). Empty: no reminders."))
    attendance_request_enabled = forms.BooleanField(
        label=_("Ask clients to confirm they are coming"), required=False)
    attendance_request_offset_minutes = forms.IntegerField(
        label=_("Ask this many minutes before the start"), min_value=60, max_value=60 * 24 * 30)


class EventSwitchesForm(forms.Form):
    """One box per client email: ticked, the organisation sends it."""

    def __init__(self, *args, events: dict, switched_off: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        for event_type, label in events.items():
            self.fields[event_type] = forms.BooleanField(label=label, required=False,
                                                         initial=event_type not in switched_off)

    def switched_off(self) -> list[str]:
        return [event_type for event_type in self.fields if not self.cleaned_data.get(event_type)]


class NotificationTextForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), required=False, max_length=200)
    text = forms.CharField(label=_("Text"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 8}))
