"""The back office calendar (a week or a day of appointments and sessions, in the tenant's zone, for everyone
or one staff member or resource) and the dashboard's figures of the week. Plain links and a GET form: it works
without JavaScript."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from booking_core.backoffice.access import office_page
from booking_core.backoffice.calendar_rendering import EntryRenderer
from booking_core.backoffice.office_forms import CalendarForm
from booking_core.selectors.calendar import calendar_days, day_columns
from booking_core.selectors.catalogue import staff_for_operator
from booking_core.selectors.office_figures import period_figures
from booking_core.waitlist.selectors.figures import waitlist_figures


def local_today(tenant) -> dt.date:
    return timezone.now().astimezone(tenant.zone).date()


def week_start(day: dt.date) -> dt.date:
    """The Monday of the day's week."""
    return day - dt.timedelta(days=day.weekday())


@office_page
@require_GET
def office_calendar(request):
    # A staff member sees their own calendar only (office_staff_ids); owners and admins everyone's.
    own = request.office_staff_ids
    staff = [member for member in staff_for_operator() if own is None or member.pk in own]
    form = CalendarForm(request.GET or None, staff=staff)
    context = {"tenant": request.tenant, "nav": "calendar", "form": form}
    if request.GET and not form.is_valid():
        return render(request, "backoffice/calendar.html", context, status=400)
    data = form.cleaned_data if request.GET else {}
    view = data.get("view") or "week"
    today = local_today(request.tenant)
    chosen = data.get("date") or today
    staff_id = data.get("staff")
    first_day, length, step = (week_start(chosen), 7, 7) if view == "week" else (chosen, 1, 1)
    scope = [staff_id] if staff_id else (list(own) if own is not None else None)
    days = calendar_days(zone=request.tenant.zone, first_day=first_day, days=length, staff_ids=scope)

    def link(day: dt.date, to_view: str = view) -> str:
        query = {"view": to_view, "date": day.isoformat(), **({"staff": staff_id} if staff_id else {})}
        return "?" + urlencode(query)

    chosen_staff = next((member for member in staff if member.pk == staff_id), None)
    entries = EntryRenderer(request.tenant.zone)
    columns = None
    if view == "day":
        columns = [(column, entries.entries(appointments=column.appointments))
                   for column in day_columns(days[0], [chosen_staff] if chosen_staff else staff)]
    return render(request, "backoffice/calendar.html", {
        **context, "view": view, "days": days, "today": today, "first_day": first_day,
        "last_day": first_day + dt.timedelta(days=length - 1), "chosen_staff": chosen_staff,
        "columns": columns, "day_sessions": entries.entries(sessions=days[0].sessions) if view == "day" else "",
        "previous_link": link(first_day - dt.timedelta(days=step)),
        "next_link": link(first_day + dt.timedelta(days=step)),
        "today_link": link(today), "week_link": link(chosen, "week"), "day_link": link(chosen, "day"),
        "week": [(day, link(day.date, "day"), entries.entries(sessions=day.sessions, appointments=day.appointments,
                                                              show_staff=chosen_staff is None))
                 for day in days] if view == "week" else [],
    })


def week_figures_context(tenant) -> dict:
    """This week's figures (Monday to Sunday, local): bookings made, cancellations, no-shows, and what the
    waitlist refilled and protected."""
    monday = week_start(local_today(tenant))
    since = dt.datetime.combine(monday, dt.time.min, tzinfo=tenant.zone)
    until = dt.datetime.combine(monday + dt.timedelta(days=7), dt.time.min, tzinfo=tenant.zone)
    waitlist_total, _rows = waitlist_figures(since=since, until=until)
    return {"week_figures": period_figures(since=since, until=until), "week_waitlist": waitlist_total,
            "week_from": monday, "week_to": monday + dt.timedelta(days=6)}
