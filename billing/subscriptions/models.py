"""An organisation's subscription: its plan and the billing state Stripe's subscription webhooks drive.

In the public schema, one row per organisation (created by sign-up's trial, the first checkout or platform
staff choosing a plan). An organisation without a row is on trial while its status is `trial`, otherwise on
ALLOT_UNBILLED_PLAN (organisations set up by platform staff before billing existed).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from billing.plans import PLAN_CHOICES


class Subscription(models.Model):
    class State(models.TextChoices):
        TRIAL = "trial", _("trial")
        ACTIVE = "active", _("active")
        PAST_DUE = "past_due", _("payment overdue")  # Stripe retries the payment; a banner says so
        UNPAID = "unpaid", _("unpaid")  # retries exhausted: the booking site takes no new bookings
        CANCELLED = "cancelled", _("cancelled")  # back on the free plan

    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.CASCADE, related_name="subscription")
    plan = models.CharField(max_length=20, choices=PLAN_CHOICES, default="free")
    state = models.CharField(max_length=20, choices=State.choices, default=State.TRIAL)
    trial_ends_at = models.DateTimeField(null=True, blank=True)
    stripe_customer_id = models.CharField(max_length=255, blank=True, db_index=True)
    stripe_subscription_id = models.CharField(max_length=255, blank=True, db_index=True)
    # Stripe's `created` of the newest subscription event applied: an older event never overwrites it.
    state_as_of = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.tenant_id}: {self.plan} ({self.state})"
