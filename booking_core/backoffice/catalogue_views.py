"""The back office's catalogue and capacity pages (managers only): services with their booking forms, staff
with their hours, overrides and time off, and group sessions (one, a weekly series, capacity, cancelling).

Forms check the input; the services in booking_core.services.catalogue and .sessions decide, save and audit
with the member as the actor. A refusal is shown next to its field (or on top of the form) and nothing is
changed; the page answers 400 then."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from allot.errors import ApplicationError
from booking_core.acting import Actor
from booking_core.backoffice.access import MANAGERS, office_page
from booking_core.backoffice.catalogue_forms import (
    WEEKDAYS,
    CapacityForm,
    OverrideForm,
    QuestionForm,
    SeriesForm,
    ServiceForm,
    SessionCancelForm,
    SessionForm,
    StaffForm,
    TimeOffForm,
    WorkingHoursForm,
    model_changes,
    model_values,
)
from booking_core.models import FormField, Service, StaffMember
from booking_core.selectors.catalogue import service_get_for_operator, services_for_operator, staff_get_for_operator
from booking_core.selectors.office_catalogue import (
    question_get_for_operator,
    questions_for_operator,
    session_bookings_for_operator,
    sessions_upcoming_for_operator,
    staff_item_get_for_operator,
    staff_items_for_operator,
    staff_with_services_for_operator,
)
from booking_core.selectors.sessions import session_get_for_operator
from booking_core.services import catalogue as catalogue_services
from booking_core.services import sessions as session_services

SESSION_WEEKS = 8


def tenant_zone(tenant):
    return tenant.zone


def _actor(request) -> Actor:
    return Actor.operator(request.user)


def refusal_on_form(form, error: ApplicationError) -> None:
    """A service's refusal on the form: field messages next to their fields, the rest on top."""
    leftovers = []
    for name, texts in error.fields.items():
        if name in form.fields and name not in form.errors:
            form.add_error(name, list(texts))
        elif name not in form.fields:
            leftovers.extend(texts)
    form.add_error(None, " ".join([str(error.message), *leftovers]))


def _render(request, template: str, context: dict, *, invalid: bool = False):
    return render(request, template, {"tenant": request.tenant, "nav": "catalogue", **context},
                  status=400 if invalid else 200)


# --- services ---------------------------------------------------------------------------------------------


@office_page(roles=MANAGERS)
@require_GET
def services_page(request):
    return _render(request, "backoffice/catalogue/services.html", {"services": services_for_operator()})


@office_page(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def service_new(request):
    form = ServiceForm(request.POST or None, initial={"price_currency": getattr(request.tenant, "currency", "EUR")})
    if request.method == "POST" and form.is_valid():
        try:
            service = catalogue_services.service_create(actor=_actor(request), **model_values(form))
        except ApplicationError as error:
            refusal_on_form(form, error)
        else:
            messages.success(request, _("The service %(name)s was added.") % {"name": service})
            return redirect("office-catalogue-service", service_id=service.pk)
    return _render(request, "backoffice/catalogue/service_form.html", {"form": form, "service": None},
                   invalid=request.method == "POST")


def _service_page(request, service: Service, *, form=None, question_form=None, invalid=False):
    return _render(request, "backoffice/catalogue/service_form.html", {
        "service": service, "form": form or ServiceForm(instance=service),
        "questions": questions_for_operator(service=service),
        "question_form": question_form or QuestionForm(initial={"position": len(service.form_fields.all()) + 1}),
    }, invalid=invalid)


@office_page(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def service_edit(request, service_id: int):
    service = service_get_for_operator(service_id=service_id)
    if request.method != "POST":
        return _service_page(request, service)
    form = ServiceForm(request.POST, instance=service_get_for_operator(service_id=service_id))
    if form.is_valid():
        try:
            catalogue_services.service_update(service=service, actor=_actor(request), **model_changes(form))
        except ApplicationError as error:
            refusal_on_form(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("office-catalogue-service", service_id=service.pk)
    return _service_page(request, service_get_for_operator(service_id=service_id), form=form, invalid=True)


@office_page(roles=MANAGERS)
@require_POST
def question_new(request, service_id: int):
    service = service_get_for_operator(service_id=service_id)
    form = QuestionForm(request.POST, instance=FormField(service=service))
    if form.is_valid():
        try:
            catalogue_services.form_field_create(service=service, actor=_actor(request), **model_values(form))
        except ApplicationError as error:
            refusal_on_form(form, error)
        else:
            messages.success(request, _("The question was added."))
            return redirect("office-catalogue-service", service_id=service.pk)
    return _service_page(request, service, question_form=form, invalid=True)


@office_page(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def question_edit(request, service_id: int, question_id: int):
    service = service_get_for_operator(service_id=service_id)
    question = question_get_for_operator(service=service, question_id=question_id)
    form = QuestionForm(request.POST or None, instance=question_get_for_operator(service=service,
                                                                                 question_id=question_id))
    if request.method == "POST" and form.is_valid():
        try:
            catalogue_services.form_field_update(field=question, actor=_actor(request), **model_changes(form))
        except ApplicationError as error:
            refusal_on_form(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("office-catalogue-service", service_id=service.pk)
    return _render(request, "backoffice/catalogue/question_form.html",
                   {"service": service, "question": question, "form": form}, invalid=request.method == "POST")


@office_page(roles=MANAGERS)
@require_POST
def question_delete(request, service_id: int, question_id: int):
    service = service_get_for_operator(service_id=service_id)
    question = question_get_for_operator(service=service, question_id=question_id)
    try:
        catalogue_services.form_field_delete(field=question, actor=_actor(request))
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The question was removed; answers already given keep their copy."))
    return redirect("office-catalogue-service", service_id=service.pk)


# --- staff ------------------------------------------------------------------------------------------------


@office_page(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def staff_page(request):
    form = StaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        values = model_values(form, exclude=["services"])
        try:
            member = catalogue_services.staff_create(
                actor=_actor(request), services=list(form.cleaned_data["services"]), **values)
        except ApplicationError as error:
            refusal_on_form(form, error)
        else:
            messages.success(request, _("%(name)s was added; now give them working hours.") % {"name": member.name})
            return redirect("office-catalogue-staff-member", staff_id=member.pk)
    return _render(request, "backoffice/catalogue/staff.html",
                   {"staff": staff_with_services_for_operator(), "form": form}, invalid=request.method == "POST")


STAFF_ITEM_FORMS = {"hours": WorkingHoursForm, "overrides": OverrideForm, "time-off": TimeOffForm}
STAFF_ITEM_CREATE = {
    "hours": catalogue_services.working_hours_create,
    "overrides": catalogue_services.override_create,
    "time-off": catalogue_services.time_off_create,
}
STAFF_ITEM_DELETE = {
    "hours": lambda item, actor: catalogue_services.working_hours_delete(hours=item, actor=actor),
    "overrides": lambda item, actor: catalogue_services.override_delete(override=item, actor=actor),
    "time-off": lambda item, actor: catalogue_services.time_off_delete(time_off=item, actor=actor),
}


def _staff_member_page(request, member: StaffMember, *, forms=None, invalid=False):
    forms = forms or {}
    today = timezone.now().astimezone(tenant_zone(request.tenant)).date()
    items = staff_items_for_operator(staff=member, today=today)
    day_names = dict(WEEKDAYS)
    for hours in items["hours"]:
        hours.day_name = day_names[hours.weekday]
    return _render(request, "backoffice/catalogue/staff_member.html", {
        "member": member, "form": forms.get("member") or StaffForm(instance=member),
        "hours_form": forms.get("hours") or WorkingHoursForm(),
        "override_form": forms.get("overrides") or OverrideForm(),
        "time_off_form": forms.get("time-off") or TimeOffForm(),
        **items,
    }, invalid=invalid)


@office_page(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def staff_member(request, staff_id: int):
    member = staff_get_for_operator(staff_id=staff_id)
    if request.method != "POST":
        return _staff_member_page(request, member)
    form = StaffForm(request.POST, instance=staff_get_for_operator(staff_id=staff_id))
    if form.is_valid():
        changes = model_changes(form)
        services = changes.pop("services", None)
        try:
            catalogue_services.staff_update(staff=member, actor=_actor(request),
                                            services=list(services) if services is not None else None, **changes)
        except ApplicationError as error:
            refusal_on_form(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("office-catalogue-staff-member", staff_id=member.pk)
    return _staff_member_page(request, staff_get_for_operator(staff_id=staff_id), forms={"member": form},
                              invalid=True)


@office_page(roles=MANAGERS)
@require_POST
def staff_item_add(request, staff_id: int, kind: str):
    if kind not in STAFF_ITEM_FORMS:
        raise Http404("No such list.")
    member = staff_get_for_operator(staff_id=staff_id)
    form = STAFF_ITEM_FORMS[kind](request.POST)
    if form.is_valid():
        try:
            STAFF_ITEM_CREATE[kind](staff=member, actor=_actor(request), **model_values(form))
        except ApplicationError as error:
            refusal_on_form(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("office-catalogue-staff-member", staff_id=member.pk)
    return _staff_member_page(request, member, forms={kind: form}, invalid=True)


@office_page(roles=MANAGERS)
@require_POST
def staff_item_remove(request, staff_id: int, kind: str, item_id: int):
    member = staff_get_for_operator(staff_id=staff_id)
    item = staff_item_get_for_operator(staff=member, kind=kind, item_id=item_id)
    try:
        STAFF_ITEM_DELETE[kind](item, _actor(request))
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Removed."))
    return redirect("office-catalogue-staff-member", staff_id=member.pk)


# --- group sessions ---------------------------------------------------------------------------------------


def _sessions_page(request, *, session_form=None, series_form=None, invalid=False):
    zone = tenant_zone(request.tenant)
    today = timezone.now().astimezone(zone).date()
    start = dt.datetime.combine(today, dt.time.min, tzinfo=zone)
    try:
        service_id = int(request.GET.get("service") or 0) or None
    except ValueError:
        service_id = None
    sessions = sessions_upcoming_for_operator(starts_from=start, starts_until=start + dt.timedelta(weeks=SESSION_WEEKS),
                                              service_id=service_id)
    return _render(request, "backoffice/catalogue/sessions.html", {
        "sessions": list(sessions), "weeks": SESSION_WEEKS, "service_id": service_id,
        "group_services": [service for service in services_for_operator() if service.is_group],
        "session_form": session_form or SessionForm(initial={"date": today, "capacity": 10}),
        "series_form": series_form or SeriesForm(initial={"first_date": today, "capacity": 10}),
    }, invalid=invalid)


@office_page(roles=MANAGERS)
@require_GET
def sessions_page(request):
    return _sessions_page(request)


@office_page(roles=MANAGERS)
@require_POST
def session_new(request):
    form = SessionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            session = session_services.session_create(
                service=data["service"], starts_at=form.starts_at(tenant_zone(request.tenant)),
                capacity=data["capacity"], location=data["location"], actor=_actor(request))
        except ApplicationError as error:
            refusal_on_form(form, error)
        else:
            messages.success(request, _("The session was scheduled."))
            return redirect("office-catalogue-session", session_id=session.pk)
    return _sessions_page(request, session_form=form, invalid=True)


@office_page(roles=MANAGERS)
@require_POST
def series_new(request):
    form = SeriesForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            sessions = session_services.sessions_create_weekly(
                service=data["service"], zone=tenant_zone(request.tenant), first_date=data["first_date"],
                last_date=data["last_date"], weekdays=data["weekdays"], start_time=data["time"],
                capacity=data["capacity"], location=data["location"], actor=_actor(request))
        except ApplicationError as error:
            refusal_on_form(form, error)
        else:
            messages.success(request, _("%(count)d sessions were scheduled.") % {"count": len(sessions)})
            return redirect("office-catalogue-sessions")
    return _sessions_page(request, series_form=form, invalid=True)


def _session_page(request, session, *, capacity_form=None, cancel_form=None, invalid=False):
    return _render(request, "backoffice/catalogue/session.html", {
        "session": session, "bookings": session_bookings_for_operator(session=session),
        "capacity_form": capacity_form or CapacityForm(initial={"capacity": session.capacity}),
        "cancel_form": cancel_form or SessionCancelForm(),
    }, invalid=invalid)


@office_page(roles=MANAGERS)
@require_GET
def session_page(request, session_id: int):
    return _session_page(request, session_get_for_operator(session_id=session_id))


@office_page(roles=MANAGERS)
@require_POST
def session_capacity(request, session_id: int):
    session = session_get_for_operator(session_id=session_id)
    form = CapacityForm(request.POST)
    if form.is_valid():
        try:
            session_services.session_change_capacity(
                session=session, capacity=form.cleaned_data["capacity"], actor=_actor(request),
                keep_existing_bookings=form.cleaned_data["keep_existing_bookings"])
        except ApplicationError as error:
            refusal_on_form(form, error)
        else:
            messages.success(request, _("The capacity is now %(capacity)d.") % form.cleaned_data)
            return redirect("office-catalogue-session", session_id=session.pk)
    return _session_page(request, session, capacity_form=form, invalid=True)


@office_page(roles=MANAGERS)
@require_POST
def session_cancel(request, session_id: int):
    session = session_get_for_operator(session_id=session_id)
    form = SessionCancelForm(request.POST)
    if session.is_cancelled:
        messages.error(request, _("This session is already cancelled."))
        return redirect("office-catalogue-session", session_id=session.pk)
    if form.is_valid():
        try:
            session_services.session_cancel(tenant=request.tenant, session=session, actor=_actor(request),
                                            reason=form.cleaned_data["reason"])
        except ApplicationError as error:
            refusal_on_form(form, error)
        else:
            messages.success(request, _("The session is cancelled; everyone booked is being told."))
            return redirect("office-catalogue-session", session_id=session.pk)
    return _session_page(request, session, cancel_form=form, invalid=True)


