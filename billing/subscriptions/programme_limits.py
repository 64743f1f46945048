"""The plan's limit on programmes (apart from billing.subscriptions.limits: booking_core's core does not know
programmes, and the booking services import that module)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from billing.subscriptions.services import plan_limit_refuse, standing_of


def programme_limit_require(*, tenant, now: dt.datetime | None = None) -> None:
    from booking_core.programmes.models import Programme

    standing = standing_of(tenant, now=now)
    limit = standing.plan.programmes
    if limit is not None and Programme.objects.count() >= limit:
        if limit == 0:
            plan_limit_refuse(_("The %(plan)s plan does not include programmes; choose a plan that does.")
                              % {"plan": standing.plan.name})
        plan_limit_refuse(_("The %(plan)s plan includes %(limit)d programmes; choose a larger plan to add more.")
                          % {"plan": standing.plan.name, "limit": limit})
