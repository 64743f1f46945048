"""The back office's billing page (owners): the organisation's plan, its limits and what is used of them, the
trial's end, choosing a paid plan on Stripe Checkout and managing the subscription on Stripe's portal."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from allot.errors import ApplicationError
from billing.plans import PLANS
from billing.subscriptions.limits import bookings_this_month
from billing.subscriptions.services import standing_of, subscription_checkout_start, subscription_portal_start
from booking_core.backoffice.access import OWNERS, office_page
from booking_core.models import StaffMember
from booking_core.programmes.models import Programme


@office_page(roles=OWNERS)
@require_GET
def office_billing(request):
    tenant = request.tenant
    now = timezone.now()
    standing = standing_of(tenant, now=now)
    usage = {
        "staff_members": StaffMember.objects.filter(is_active=True).count(),
        "bookings_per_month": bookings_this_month(tenant, now),
        "programmes": Programme.objects.count(),
        "custom_domain": tenant.domains.filter(is_primary=False).exists(),
    }
    return render(request, "backoffice/billing.html", {
        "tenant": tenant, "nav": "billing", "standing": standing, "usage": usage,
        "plans": list(PLANS.values()),
        "can_manage": bool(standing.subscription and standing.subscription.stripe_customer_id),
    })


@office_page(roles=OWNERS)
@require_POST
def office_billing_checkout(request):
    back = request.build_absolute_uri(reverse("office-billing"))
    try:
        url = subscription_checkout_start(tenant=request.tenant, plan=request.POST.get("plan", ""),
                                          email=request.tenant.contact_email or request.user.email,
                                          success_url=back + "?checkout=done", cancel_url=back)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("office-billing")
    return redirect(url)


@office_page(roles=OWNERS)
@require_POST
def office_billing_portal(request):
    try:
        url = subscription_portal_start(tenant=request.tenant,
                                        return_url=request.build_absolute_uri(reverse("office-billing")))
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("office-billing")
    return redirect(url)
