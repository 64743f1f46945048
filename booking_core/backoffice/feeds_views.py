"""The back office's calendar subscriptions: the organisation's feed and one per staff member, with a reset
that makes the old address a 404 at once."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from booking_core.acting import Actor
from booking_core.backoffice.access import MANAGERS, office_page
from booking_core.models import CalendarFeed
from booking_core.selectors.catalogue import staff_for_operator, staff_get_for_operator
from booking_core.selectors.feeds import feed_for_organisation, feeds_by_staff
from booking_core.services.feeds import feed_issue
from tenants.links import tenant_url


def _feed_url(tenant, feed: CalendarFeed | None) -> str | None:
    return tenant_url(tenant, f"/feeds/{feed.token}.ics") if feed else None


@office_page(roles=MANAGERS)
@require_GET
def calendar_feeds(request):
    tenant = request.tenant
    by_staff = feeds_by_staff()
    staff_rows = [{"staff": staff, "url": _feed_url(tenant, by_staff.get(staff.pk))}
                  for staff in staff_for_operator()]
    return render(request, "backoffice/calendar_feeds.html", {
        "tenant": tenant, "nav": "settings",
        "organisation_url": _feed_url(tenant, feed_for_organisation()),
        "staff_rows": staff_rows,
    })


@office_page(roles=MANAGERS)
@require_POST
def calendar_feed_issue(request):
    """Give out a feed's address, or with reset=1 replace it."""
    staff = staff_get_for_operator(staff_id=request.POST["staff"]) if request.POST.get("staff") else None
    reset = request.POST.get("reset") == "1"
    feed_issue(actor=Actor.operator(request.user), kind="staff" if staff else "organisation", staff=staff,
               reset=reset)
    if reset:
        messages.success(request, _("The calendar address is new; the old one no longer works."))
    else:
        messages.success(request, _("The calendar address is ready to subscribe to."))
    return redirect("office-calendar-feeds")
