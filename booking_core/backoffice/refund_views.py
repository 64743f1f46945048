"""The back office's cancellation policies (owners and admins): per paid service, how much a cancellation refunds
(full until N hours before the start, a percentage until M hours, nothing after). Billing keeps the policies
and issues the refunds (billing.services.refunds)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from allot.errors import ApplicationError
from billing.selectors.refunds import policies_by_service
from billing.services.refunds import cancellation_policy_set
from booking_core.backoffice.access import MANAGERS, office_page
from booking_core.selectors.catalogue import service_get_for_operator, services_for_operator


class PolicyForm(forms.Form):
    full_refund_hours = forms.IntegerField(label=gettext_lazy("Full refund until (hours before)"), min_value=0,
                                           max_value=24 * 365)
    partial_refund_hours = forms.IntegerField(label=gettext_lazy("Partial refund until (hours before)"),
                                              min_value=0, max_value=24 * 365)
    partial_percent = forms.IntegerField(label=gettext_lazy("Partial refund (%)"), min_value=0, max_value=100)


@office_page(roles=MANAGERS)
@require_GET
def refund_policies(request):
    policies = policies_by_service(tenant=request.tenant)
    rows = [(service, service.translated("name"), policies.get(service.pk))
            for service in services_for_operator() if service.price_amount > 0]
    return render(request, "backoffice/refund_policies.html", {"nav": "payments", "rows": rows})


@office_page(roles=MANAGERS)
@require_POST
def refund_policy_save(request, service_id: int):
    service = service_get_for_operator(service_id=service_id)  # another tenant's or unknown id: 404
    form = PolicyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give whole hours and a percentage between 0 and 100."))
        return redirect("office-refund-policies")
    try:
        cancellation_policy_set(tenant=request.tenant, service_id=service.pk, **form.cleaned_data)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The cancellation policy of %(name)s is saved.")
                         % {"name": service.translated("name")})
    return redirect("office-refund-policies")
