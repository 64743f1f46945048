"""The back office's clients: the list with search, a client's page (bookings, waitlist entries, programme
sign-ups) and merging a duplicate into them; and the operators' note on a booking."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from allot.errors import ApplicationError, NotFoundError
from booking_core.acting import Actor
from booking_core.backoffice.access import MANAGERS, office_page
from booking_core.backoffice.booking_rows import BookingRows
from booking_core.backoffice.office_forms import BookingNoteForm, ClientMergeForm, ClientSearchForm
from booking_core.selectors.bookings import booking_get_for_operator
from booking_core.selectors.clients import (
    client_bookings_for_operator,
    client_get_for_operator,
    client_signups_for_operator,
    client_waitlist_entries_for_operator,
    clients_for_operator,
)
from booking_core.services.clients import client_merge
from booking_core.services.operator_bookings import booking_note_set

PAGE_SIZE = 50
CLIENT_BOOKINGS_SHOWN = 100


@office_page(roles=MANAGERS)
@require_GET
def clients_list(request):
    form = ClientSearchForm(request.GET or None)
    context = {"tenant": request.tenant, "nav": "clients", "form": form}
    if request.GET and not form.is_valid():
        return render(request, "backoffice/clients_list.html", context, status=400)
    query = form.cleaned_data.get("q") if request.GET else ""
    page = Paginator(clients_for_operator(query=query), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "backoffice/clients_list.html", {
        **context, "page": page, "query": urlencode({"q": query}) if query else ""})


def _client_page(request, client, merge_form, status=200):
    bookings = list(client_bookings_for_operator(client=client)[:CLIENT_BOOKINGS_SHOWN + 1])
    return render(request, "backoffice/client_detail.html", {
        "tenant": request.tenant, "nav": "clients", "client": client,
        "bookings": bookings[:CLIENT_BOOKINGS_SHOWN],
        "booking_rows": BookingRows(request).rows(bookings[:CLIENT_BOOKINGS_SHOWN]),
        "more_bookings": len(bookings) > CLIENT_BOOKINGS_SHOWN,
        "waitlist_entries": list(client_waitlist_entries_for_operator(client=client)),
        "signups": list(client_signups_for_operator(client=client)),
        "merge_form": merge_form,
    }, status=status)


@office_page(roles=MANAGERS)
@require_GET
def client_detail(request, client_id: int):
    client = client_get_for_operator(client_id=client_id)
    return _client_page(request, client, ClientMergeForm())


@office_page(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def client_merge_view(request, client_id: int):
    """Merge a duplicate into this client (a POST from the client's page; a GET shows that page)."""
    keep = client_get_for_operator(client_id=client_id)
    if request.method == "GET":
        return redirect("office-client", client_id=keep.pk)
    form = ClientMergeForm(request.POST)
    if not form.is_valid():
        return _client_page(request, keep, form, status=400)
    try:
        duplicate = client_get_for_operator(client_id=form.cleaned_data["duplicate"])
    except NotFoundError:
        form.add_error("duplicate", _("No client has this number here."))
        return _client_page(request, keep, form, status=400)
    try:
        moved = client_merge(keep=keep, duplicate=duplicate, actor=Actor.operator(request.user))
    except NotFoundError:
        form.add_error("duplicate", _("No client has this number here."))
        return _client_page(request, keep, form, status=400)
    except ApplicationError as error:
        form.add_error("duplicate", str(error.message))
        return _client_page(request, keep, form, status=400)
    messages.success(request, _("%(duplicate)s is merged into %(kept)s (%(count)d records moved).") % {
        "duplicate": duplicate.email, "kept": keep.email, "count": sum(moved.values())})
    return redirect("office-client", client_id=keep.pk)


@office_page
@require_POST
def booking_note(request, booking_id: int):
    """Save the operators' note on a booking (a POST from the booking's page)."""
    booking = booking_get_for_operator(booking_id=booking_id, staff_ids=request.office_staff_ids)
    form = BookingNoteForm(request.POST)
    if not form.is_valid():
        for problems in form.errors.values():
            for problem in problems:
                messages.error(request, problem)
        return redirect("office-booking", booking_id=booking.pk)
    try:
        booking_note_set(booking=booking, note=form.cleaned_data["note"], actor=Actor.operator(request.user))
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The note is saved."))
    return redirect("office-booking", booking_id=booking.pk)
