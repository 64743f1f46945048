"""Forms of the members, invitation and security pages: they only check the input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.models import Membership


def _calendar_choices(staff) -> list[tuple[str, str]]:
    return [("", _("— none —"))] + [(str(member.pk), member.name) for member in staff]


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.STAFF)
    staff = forms.TypedChoiceField(label=_("Their calendar (staff)"), required=False, coerce=int, empty_value=None,
                                   help_text=_("Staff see this staff member's bookings only."))

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].choices = _calendar_choices(staff)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class CalendarForm(forms.Form):
    staff = forms.TypedChoiceField(label=_("Calendar"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].choices = _calendar_choices(staff)


class MfaPolicyForm(forms.Form):
    mfa_required = forms.BooleanField(label=_("Require two-factor authentication for all members"), required=False)


class AcceptNewAccountForm(forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=200)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("Password (again)"),
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("The two passwords differ."))
        return data


class AcceptExistingAccountForm(forms.Form):
    password = forms.CharField(label=_("Your password"),
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
