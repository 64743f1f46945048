"""An organisation's plan and billing state: what it may use now, and the changes to it.

Stripe's subscription webhooks (billing.subscriptions.webhooks) and platform staff (the console) change a
subscription; the booking services ask `plan_require` / `bookings_open` before they write. Nothing here imports
the booking domain (tenants' console uses it), the counting of usage is in billing.subscriptions.limits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from allot.errors import ApplicationError
from billing.plans import PLANS, TRIAL_DAYS, TRIAL_PLAN, Plan, plan_get
from billing.subscriptions.models import Subscription
from tenants.audit import field_values, platform_audit_record
from tenants.models import Tenant

State = Subscription.State


class PlanLimitError(ApplicationError):
    status_code = 403
    code = "plan_limit"


@dataclass(frozen=True)
class Standing:
    """Where an organisation stands: its plan's limits now and its billing state."""

    plan: Plan
    state: str
    trial_ends_at: dt.datetime | None
    subscription: Subscription | None

    @property
    def takes_new_bookings(self) -> bool:
        return self.state != State.UNPAID

    @property
    def on_trial(self) -> bool:
        return self.state == State.TRIAL


def standing_of(tenant: Tenant, *, now: dt.datetime | None = None) -> Standing:
    now = now or timezone.now()
    row = Subscription.objects.filter(tenant_id=tenant.pk).first()
    if row is None:
        if tenant.status == Tenant.Status.TRIAL:
            row_trial_end = tenant.created_at + dt.timedelta(days=TRIAL_DAYS) if tenant.created_at else None
            if row_trial_end is None or now < row_trial_end:
                return Standing(TRIAL_PLAN, State.TRIAL, row_trial_end, None)
            return Standing(PLANS["free"], State.CANCELLED, row_trial_end, None)  # the trial ran out
        return Standing(plan_get(settings.ALLOT_UNBILLED_PLAN), State.ACTIVE, None, None)
    if row.state == State.TRIAL:
        if row.trial_ends_at is None or now < row.trial_ends_at:
            return Standing(TRIAL_PLAN, State.TRIAL, row.trial_ends_at, row)
        return Standing(PLANS["free"], State.CANCELLED, row.trial_ends_at, row)
    if row.state == State.CANCELLED:
        return Standing(PLANS["free"], State.CANCELLED, row.trial_ends_at, row)
    return Standing(plan_get(row.plan), row.state, row.trial_ends_at, row)


def plan_limit_refuse(message) -> None:
    raise PlanLimitError(message)


def custom_domain_require(tenant: Tenant, *, now: dt.datetime | None = None) -> None:
    """Refuses a custom domain on a plan without one."""
    standing = standing_of(tenant, now=now)
    if not standing.plan.custom_domain:
        plan_limit_refuse(_("The %(plan)s plan does not include a custom domain; choose a plan that does.")
                          % {"plan": standing.plan.name})


def _row_for_update(tenant_id: int) -> Subscription:
    row = Subscription.objects.select_for_update().filter(tenant_id=tenant_id).first()
    if row is None:
        Subscription.objects.get_or_create(tenant_id=tenant_id, defaults={
            "state": State.ACTIVE, "plan": settings.ALLOT_UNBILLED_PLAN})
        row = Subscription.objects.select_for_update().get(tenant_id=tenant_id)
    return row


def subscription_trial_start(*, tenant: Tenant, now: dt.datetime | None = None) -> Subscription:
    """Sign-up: 14 days on the trial plan."""
    now = now or timezone.now()
    row, _created = Subscription.objects.get_or_create(tenant=tenant, defaults={
        "state": State.TRIAL, "plan": "free", "trial_ends_at": now + dt.timedelta(days=TRIAL_DAYS)})
    return row


def subscription_plan_set(*, tenant: Tenant, plan: str, actor) -> Subscription:
    """Platform staff put an organisation on a plan (an arrangement outside Stripe, or a correction)."""
    if plan not in PLANS:
        raise ApplicationError(_("Unknown plan."), fields={"plan": [_("Unknown plan.")]})
    with transaction.atomic():
        row = _row_for_update(tenant.pk)
        before = field_values(row)
        row.plan = plan
        if row.state in (State.TRIAL, State.CANCELLED):
            row.state = State.ACTIVE
        row.save(update_fields=["plan", "state", "updated_at"])
        platform_audit_record(actor=actor, action="subscription.plan_changed", obj=row, tenant_id=tenant.pk,
                              before=before, after=field_values(row))
    return row


def subscription_customer_note(*, tenant: Tenant, customer_id: str) -> None:
    """Remember the Stripe Customer created for the organisation's checkout."""
    with transaction.atomic():
        row = _row_for_update(tenant.pk)
        if row.stripe_customer_id != customer_id:
            row.stripe_customer_id = customer_id
            row.save(update_fields=["stripe_customer_id", "updated_at"])


# Stripe's subscription statuses (https://docs.stripe.com/api/subscriptions/object#subscription_object-status)
# and what they mean here; `incomplete` (first payment not made yet) and `paused` change nothing.
STRIPE_STATES = {
    "trialing": State.ACTIVE, "active": State.ACTIVE, "past_due": State.PAST_DUE, "unpaid": State.UNPAID,
    "canceled": State.CANCELLED, "incomplete_expired": State.CANCELLED,
}


def subscription_apply(*, tenant_id: int, state: str, as_of: dt.datetime, plan: str | None = None,
                       subscription_id: str = "", customer_id: str = "") -> str:
    """Take the state a Stripe event reports, unless a newer event was applied already (events arrive out of
    order); returns what happened, for the stored event's result."""
    with transaction.atomic():
        row = _row_for_update(tenant_id)
        if row.state_as_of is not None and as_of < row.state_as_of:
            return "stale: a newer state is kept"
        if (subscription_id and row.stripe_subscription_id and row.stripe_subscription_id != subscription_id
                and state == State.CANCELLED):
            return "about a replaced subscription: ignored"
        row.state = state
        if plan:
            row.plan = plan
        if subscription_id and state != State.CANCELLED:
            row.stripe_subscription_id = subscription_id
        if customer_id:
            row.stripe_customer_id = customer_id
        row.state_as_of = as_of
        row.save()
    return f"{row.plan} {row.state}"


def _stripe_customer(tenant: Tenant, *, email: str) -> str:
    from billing.subscriptions import stripe_calls

    row = Subscription.objects.filter(tenant_id=tenant.pk).first()
    if row is not None and row.stripe_customer_id:
        return row.stripe_customer_id
    customer = stripe_calls.customer_create(email=email, name=tenant.display_name, tenant_id=tenant.pk,
                                            idempotency_key=f"allot-customer-{tenant.schema_name}-{tenant.pk}")
    subscription_customer_note(tenant=tenant, customer_id=customer)
    return customer


def subscription_checkout_start(*, tenant: Tenant, plan: str, email: str, success_url: str, cancel_url: str,
                                now: dt.datetime | None = None) -> str:
    """Owners choose a paid plan: the URL of Stripe Checkout for its subscription (the webhook then sets it)."""
    from billing.stripe_api import StripeUnavailable, payments_configured
    from billing.subscriptions import stripe_calls

    now = now or timezone.now()
    chosen = PLANS.get(plan)
    if chosen is None or not chosen.is_paid:
        raise ApplicationError(_("Choose one of the paid plans."), fields={"plan": [_("Unknown plan.")]})
    if not payments_configured() or not chosen.stripe_price:
        raise ApplicationError(_("Subscriptions cannot be paid online on this platform yet; please contact us."))
    standing = standing_of(tenant, now=now)
    row = standing.subscription
    if row is not None and row.stripe_subscription_id and row.state != State.CANCELLED:
        # A second Checkout would start a second subscription: plan changes go through Stripe's portal.
        raise ApplicationError(_("You already have a subscription; change its plan with \"Manage billing\"."))
    trial_end = standing.trial_ends_at if standing.on_trial and standing.trial_ends_at else None
    try:
        customer = _stripe_customer(tenant, email=email)
        return stripe_calls.subscription_checkout_create(
            customer=customer, price=chosen.stripe_price, plan=chosen.code, tenant_id=tenant.pk,
            success_url=success_url, cancel_url=cancel_url,
            trial_end=trial_end if trial_end and trial_end > now + dt.timedelta(days=2) else None,
            idempotency_key=f"allot-subscribe-{tenant.pk}-{chosen.code}-{int(now.timestamp()) // 60}")
    except StripeUnavailable as error:
        raise ApplicationError(_("Stripe could not be reached; please try again in a moment.")) from error


def subscription_portal_start(*, tenant: Tenant, return_url: str) -> str:
    """Owners manage their subscription on Stripe's customer portal."""
    from billing.stripe_api import StripeUnavailable
    from billing.subscriptions import stripe_calls

    row = Subscription.objects.filter(tenant_id=tenant.pk).first()
    if row is None or not row.stripe_customer_id:
        raise ApplicationError(_("There is no subscription to manage yet; choose a plan first."))
    try:
        return stripe_calls.portal_session_create(customer=row.stripe_customer_id, return_url=return_url)
    except StripeUnavailable as error:
        raise ApplicationError(_("Stripe could not be reached; please try again in a moment.")) from error
