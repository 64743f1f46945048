"""The console's forms: the tenant list's filters, the audit log's filter, and the reason for an action."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tenants.models import Tenant


class TenantFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200,
                        help_text=_("Name, subdomain or domain."))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("any"))] + list(Tenant.Status.choices))
    created_from = forms.DateField(label=_("Created from"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    created_to = forms.DateField(label=_("Created until"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned_data = super().clean()
        start, end = cleaned_data.get("created_from"), cleaned_data.get("created_to")
        if start and end and end < start:
            self.add_error("created_to", _("The end of the range is before its start."))
        return cleaned_data


class AuditFilterForm(forms.Form):
    tenant = forms.TypedChoiceField(label=_("Organisation"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, tenant_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tenant"].choices = [("", _("all"))] + list(tenant_choices)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False,
        help_text=_("Kept in the platform's audit log; a suspension's reason is also shown to the organisation's "
                    "members in their back office."))


_HOST_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class DomainAddForm(forms.Form):
    domain = forms.CharField(label=_("Custom domain"), max_length=253, help_text=_("For example booking.example.com."))
    is_primary = forms.BooleanField(label=_("Make it the primary domain"), required=False)

    def clean_domain(self):
        domain = self.cleaned_data["domain"].strip().lower().rstrip(".")
        if not _HOST_NAME.match(domain):
            raise forms.ValidationError(_("Enter a host name such as booking.example.com."))
        root = settings.ALLOT_ROOT_DOMAIN.lower()
        if domain == root or domain.endswith(f".{root}"):
            # Subdomains of the platform are organisations' addresses, given out by sign-up only.
            raise forms.ValidationError(_("Names under %(root)s are not custom domains.") % {"root": root})
        return domain
