"""The plans organisations subscribe to, and what each allows, in one place.

A limit of None means "no limit". Prices are charged by Stripe Billing: each paid plan names the setting that
holds its Stripe Price id (created in Stripe's dashboard), so the amounts live in Stripe, not here.
During the 14-day trial an organisation has the trial plan's limits.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

TRIAL_DAYS = 14


@dataclass(frozen=True)
class Plan:
    code: str
    name: str
    staff_members: int | None  # active staff members (and resources)
    bookings_per_month: int | None  # bookings made in a calendar month, in the organisation's time zone
    programmes: int | None
    custom_domain: bool
    price_setting: str = ""  # the setting naming the Stripe Price id; empty for the free plan

    @property
    def stripe_price(self) -> str:
        return getattr(settings, self.price_setting, "") if self.price_setting else ""

    @property
    def is_paid(self) -> bool:
        return bool(self.price_setting)


FREE = Plan("free", _("Free"), staff_members=2, bookings_per_month=50, programmes=0, custom_domain=False)
STARTER = Plan("starter", _("Starter"), staff_members=10, bookings_per_month=1000, programmes=3, custom_domain=True,
               price_setting="STRIPE_PRICE_STARTER")
PRO = Plan("pro", _("Pro"), staff_members=None, bookings_per_month=None, programmes=None, custom_domain=True,
           price_setting="STRIPE_PRICE_PRO")

PLANS: dict[str, Plan] = {plan.code: plan for plan in (FREE, STARTER, PRO)}
PLAN_CHOICES = [(plan.code, plan.name) for plan in PLANS.values()]
TRIAL_PLAN = PRO  # what a trial may use


def plan_get(code: str) -> Plan:
    return PLANS.get(code, FREE)


def plan_for_price(price_id: str) -> Plan | None:
    """The plan a Stripe Price id belongs to (from a subscription's items)."""
    return next((plan for plan in PLANS.values() if price_id and plan.stripe_price == price_id), None)
