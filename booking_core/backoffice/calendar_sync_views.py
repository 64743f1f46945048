"""The back office's calendar sync (issue 16 item 3): each staff member's connected calendar, connected with an
address, a user name and an app password (checked before it is kept), its status, last sync and last error,
"sync now" and disconnecting. Owners and admins manage every staff member's; a staff member their own."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from booking_core.acting import Actor
from booking_core.backoffice.access import office_page
from booking_core.calendar_sync.providers import ProviderError
from booking_core.calendar_sync.selectors import connection_for_staff, connections_by_staff
from booking_core.calendar_sync.services import calendar_connect, calendar_disconnect, calendar_sync_request
from booking_core.selectors.catalogue import staff_for_operator, staff_get_for_operator


class ConnectForm(forms.Form):
    url = forms.URLField(label=gettext_lazy("CalDAV address"), max_length=500, assume_scheme="https",
                         help_text=gettext_lazy("The server's, your account's or one calendar's address, "
                                                "e.g. https://cloud.example.com/remote.php/dav/"))
    username = forms.CharField(label=gettext_lazy("User name"), max_length=200)
    password = forms.CharField(label=gettext_lazy("App password"), max_length=500,
                               widget=forms.PasswordInput(render_value=False),
                               help_text=gettext_lazy("Create an app password in your calendar account's "
                                                      "security settings; it is stored encrypted."))


def _own_staff(request, staff_id):
    """The staff member of the page: any for owners and admins, only their own for staff (403 otherwise)."""
    staff = staff_get_for_operator(staff_id=staff_id)
    if request.office_staff_ids is not None and staff.pk not in request.office_staff_ids:
        raise PermissionDenied(_("You may manage only your own calendar."))
    return staff


@office_page
@require_http_methods(["GET"])
def calendar_sync_overview(request):
    staff = [member for member in staff_for_operator()
             if request.office_staff_ids is None or member.pk in request.office_staff_ids]
    connections = connections_by_staff([member.pk for member in staff])
    return render(request, "backoffice/calendar_sync.html", {
        "tenant": request.tenant, "nav": "calendar-sync",
        "rows": [{"staff": member, "connection": connections.get(member.pk)} for member in staff],
    })


@office_page
@require_http_methods(["GET", "POST"])
def calendar_sync_staff(request, staff_id: int):
    staff = _own_staff(request, staff_id)
    connection = connection_for_staff(staff)
    if request.method == "POST":
        form = ConnectForm(request.POST)
        if form.is_valid():
            try:
                calendar_connect(actor=Actor.operator(request.user), staff=staff, url=form.cleaned_data["url"],
                                 username=form.cleaned_data["username"], password=form.cleaned_data["password"])
            except ProviderError as error:
                form.add_error(error.field if error.field in form.fields else None,
                               _("The calendar could not be connected: %(reason)s") % {"reason": error})
            else:
                messages.success(request, _("The calendar is connected. Bookings appear in it within a minute."))
                return redirect("office-calendar-sync-staff", staff_id=staff.pk)
    else:
        form = ConnectForm(initial={"url": connection.url, "username": connection.username} if connection else None)
    return render(request, "backoffice/calendar_sync_staff.html", {
        "tenant": request.tenant, "nav": "calendar-sync", "staff": staff, "connection": connection, "form": form,
    })


@office_page
@require_POST
def calendar_sync_disconnect(request, staff_id: int):
    staff = _own_staff(request, staff_id)
    calendar_disconnect(actor=Actor.operator(request.user), staff=staff)
    messages.success(request, _("The calendar is disconnected. Bookings already written into it stay there."))
    return redirect("office-calendar-sync-staff", staff_id=staff.pk)


@office_page
@require_POST
def calendar_sync_now(request, staff_id: int):
    staff = _own_staff(request, staff_id)
    if calendar_sync_request(staff=staff):
        messages.success(request, _("The calendar will be synced within a minute."))
    else:
        messages.error(request, _("No calendar is connected."))
    return redirect("office-calendar-sync-staff", staff_id=staff.pk)
