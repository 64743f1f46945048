"""The plan's limits checked where the booking domain writes: staff members, bookings per month, programmes.

Each check is one cheap count, made only when the plan has a limit; a refusal is a PlanLimitError whose
message names the plan and the limit, and changes nothing (it is raised before any write).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from billing.subscriptions.services import plan_limit_refuse, standing_of


def _tenant():
    from django.db import connection

    return connection.tenant


def staff_limit_require(*, tenant=None, now: dt.datetime | None = None) -> None:
    from booking_core.models import StaffMember

    standing = standing_of(tenant or _tenant(), now=now)
    limit = standing.plan.staff_members
    if limit is not None and StaffMember.objects.filter(is_active=True).count() >= limit:
        plan_limit_refuse(_("The %(plan)s plan includes %(limit)d staff members; choose a larger plan to add "
                            "more.") % {"plan": standing.plan.name, "limit": limit})


def month_start(tenant, now: dt.datetime) -> dt.datetime:
    local = now.astimezone(tenant.zone)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def bookings_this_month(tenant, now: dt.datetime) -> int:
    from booking_core.models import Booking

    return Booking.objects.filter(created_at__gte=month_start(tenant, now)).count()


def booking_allowed_require(*, tenant, now: dt.datetime | None = None) -> None:
    """A new booking: refused when the organisation's subscription is unpaid, or when this month's bookings
    reached the plan's limit."""
    now = now or timezone.now()
    standing = standing_of(tenant, now=now)
    if not standing.takes_new_bookings:
        plan_limit_refuse(_("%(name)s is not taking new bookings at the moment. Existing bookings are not "
                            "affected.") % {"name": tenant.display_name})
    limit = standing.plan.bookings_per_month
    if limit is not None and bookings_this_month(tenant, now) >= limit:
        plan_limit_refuse(_("%(name)s has reached the %(limit)d bookings a month of its plan; no new bookings "
                            "can be made this month.") % {"name": tenant.display_name, "limit": limit})
