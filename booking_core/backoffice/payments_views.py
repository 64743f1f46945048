"""The back office's payments settings (owners): connecting the organisation's Stripe account.

Paid services are paid into the organisation's own Stripe account (Stripe Connect). Until it is connected and
Stripe lets it take charges, paid services are shown on the booking site but cannot be booked online.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from allot.errors import ApplicationError
from billing import stripe_api
from billing.selectors.payments import connected_account_for, payments_ready
from billing.services.connect import connected_account_onboarding_start, connected_account_refresh
from booking_core.backoffice.access import OWNERS, office_page
from booking_core.selectors.catalogue import services_for_clients


@office_page(roles=OWNERS)
@require_GET
def office_payments(request):
    tenant = request.tenant
    ready = payments_ready(tenant=tenant)
    paid_services = [service for service in services_for_clients() if service.price_amount > 0]
    return render(request, "backoffice/payments.html", {
        "tenant": tenant, "nav": "payments", "account": connected_account_for(tenant=tenant), "ready": ready,
        "platform_takes_payments": stripe_api.payments_configured(),
        "paid_services_not_bookable": [] if ready or not stripe_api.payments_configured()
        else [service.translated("name") for service in paid_services],
    })


@office_page(roles=OWNERS)
@require_POST
def office_payments_connect(request):
    """Start (or continue) Stripe's onboarding for the organisation's account."""
    back = request.build_absolute_uri(reverse("office-payments-return"))
    try:
        onboarding_url = connected_account_onboarding_start(
            tenant=request.tenant, email=request.tenant.contact_email or request.user.email,
            refresh_url=request.build_absolute_uri(reverse("office-payments")), return_url=back)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("office-payments")
    return redirect(onboarding_url)


@office_page(roles=OWNERS)
@require_GET
def office_payments_return(request):
    """Back from Stripe's onboarding: ask Stripe for the account's state now, then show it."""
    connected_account_refresh(tenant=request.tenant)
    return redirect("office-payments")
