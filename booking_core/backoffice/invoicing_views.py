"""The back office's invoicing (issue 15 item 3): the seller details printed on invoices (owners), and
downloading a booking's invoices and credit notes (owners and admins)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from billing.invoicing.providers import invoice_pdf_response
from billing.invoicing.selectors import invoice_get, seller_profile_for
from billing.invoicing.services import SellerProfileError, seller_profile_save
from booking_core.backoffice.access import MANAGERS, OWNERS, office_page


class SellerProfileForm(forms.Form):
    legal_name = forms.CharField(label=_("Legal name"), max_length=200)
    address = forms.CharField(label=_("Address"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    country = forms.RegexField(label=_("Country"), regex=r"^[A-Za-z]{2}$", max_length=2,
                               help_text=_("ISO 3166 country code, e.g. HU."),
                               error_messages={"invalid": _("Use a two-letter ISO 3166 country code.")})
    vat_number = forms.CharField(label=_("VAT or tax number"), max_length=30, required=False,
                                 help_text=_("An EU VAT number (e.g. HU12345676) or a Hungarian tax number "
                                             "(12345676-1-42). Leave empty if you are not registered for VAT."))
    vat_rate_percent = forms.DecimalField(label=_("VAT rate (%)"), min_value=0, max_value=100, decimal_places=2,
                                          help_text=_("The VAT included in your prices, e.g. 27."))


@office_page(roles=OWNERS)
@require_http_methods(["GET", "POST"])
def invoicing_settings(request):
    profile = seller_profile_for(tenant=request.tenant)
    initial = {"legal_name": request.tenant.display_name, "country": request.tenant.country, "vat_rate_percent": 0}
    if profile is not None:
        initial = {"legal_name": profile.legal_name, "address": profile.address, "country": profile.country,
                   "vat_number": profile.vat_number, "vat_rate_percent": profile.default_vat_rate_bp / 100}
    form = SellerProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            seller_profile_save(tenant=request.tenant, legal_name=data["legal_name"], address=data["address"],
                                country=data["country"], vat_number=data["vat_number"],
                                default_vat_rate_bp=int(data["vat_rate_percent"] * 100))
        except SellerProfileError as error:
            form.add_error("vat_rate_percent" if error.field == "default_vat_rate_bp" else error.field, error.message)
        else:
            messages.success(request, _("Saved. Invoices issued from now on carry these details."))
            return redirect("office-invoicing")
    return render(request, "backoffice/invoicing.html", {"form": form, "nav": "payments"},
                  status=400 if form.errors else 200)


@office_page(roles=MANAGERS)
@require_GET
def invoice_download(request, number: str):
    invoice = invoice_get(tenant=request.tenant, number=number)
    if invoice is None:
        raise Http404("No such invoice.")
    return invoice_pdf_response(invoice)
