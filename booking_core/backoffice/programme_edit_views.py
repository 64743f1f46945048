"""The back office's pages to create and edit programmes and their groups (managers only), so that setting up
a programme no longer needs the Django admin.

Forms parse the input; booking_core.programmes.services (programme_create / programme_update, group_create /
group_update) validate, save and audit with the member as the actor. A refusal is shown next to its field (or on
top of the form), nothing changes, and the page answers 400. Another organisation's ids are 404s (the selectors
read this tenant's schema only)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from allot.errors import ApplicationError
from booking_core.acting import Actor
from booking_core.backoffice.access import MANAGERS, office_page
from booking_core.backoffice.catalogue_forms import model_changes, model_values
from booking_core.backoffice.catalogue_views import refusal_on_form
from booking_core.backoffice.programme_forms import GroupForm, ProgrammeForm
from booking_core.programmes.selectors import groups_for_operator, programme_get_for_operator
from booking_core.programmes.services.groups import group_create, group_update
from booking_core.programmes.services.programmes import programme_create, programme_update


def _actor(request) -> Actor:
    return Actor.operator(request.user)


def _render(request, template: str, context: dict, *, invalid: bool = False):
    return render(request, template, {"tenant": request.tenant, "nav": "programmes", **context},
                  status=400 if invalid else 200)


@office_page(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def programme_new(request):
    form = ProgrammeForm(request.POST or None, initial={"price_currency": getattr(request.tenant, "currency", "EUR")})
    if request.method == "POST" and form.is_valid():
        try:
            programme = programme_create(tenant=request.tenant, actor=_actor(request), **model_values(form))
        except ApplicationError as error:
            refusal_on_form(form, error)
        else:
            messages.success(request, _("The programme %(name)s was added; now add its groups.") % {
                "name": programme})
            return redirect("office-programme", programme_id=programme.pk)
    return _render(request, "backoffice/programmes/programme_form.html", {"form": form, "programme": None},
                   invalid=request.method == "POST")


@office_page(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def programme_edit(request, programme_id: int):
    programme = programme_get_for_operator(programme_id=programme_id)
    if request.method != "POST":
        return _render(request, "backoffice/programmes/programme_form.html",
                       {"form": ProgrammeForm(instance=programme), "programme": programme})
    form = ProgrammeForm(request.POST, instance=programme)
    if form.is_valid():
        try:
            programme_update(tenant=request.tenant, programme=programme, actor=_actor(request),
                             **model_changes(form))
        except ApplicationError as error:
            refusal_on_form(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("office-programme", programme_id=programme.pk)
    return _render(request, "backoffice/programmes/programme_form.html",
                   {"form": form, "programme": programme_get_for_operator(programme_id=programme_id)}, invalid=True)


@office_page(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def group_new(request, programme_id: int):
    programme = programme_get_for_operator(programme_id=programme_id)
    form = GroupForm(request.POST or None, initial={"position": len(groups_for_operator(programme=programme)) + 1,
                                                    "duration_minutes": 60})
    if request.method == "POST" and form.is_valid():
        try:
            group = group_create(tenant=request.tenant, programme=programme, actor=_actor(request),
                                 **model_values(form))
        except ApplicationError as error:
            refusal_on_form(form, error)
        else:
            messages.success(request, _("The group %(group)s was added, with its sessions.") % {"group": group.label()})
            return redirect("office-programme", programme_id=programme.pk)
    return _render(request, "backoffice/programmes/group_form.html",
                   {"form": form, "programme": programme, "group": None}, invalid=request.method == "POST")


def _group(programme, group_id: int):
    group = groups_for_operator(programme=programme).filter(pk=group_id).first()
    if group is None:
        raise Http404("No such group.")
    return group


@office_page(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def group_edit(request, programme_id: int, group_id: int):
    """Rename, relocate, reorder or reschedule a group (its sessions follow and its participants are told); the
    capacity and cancelling are the programme page's actions."""
    programme = programme_get_for_operator(programme_id=programme_id)
    group = _group(programme, group_id)
    if request.method != "POST":
        return _render(request, "backoffice/programmes/group_form.html",
                       {"form": GroupForm(instance=group, editing=True), "programme": programme, "group": group})
    form = GroupForm(request.POST, instance=group, editing=True)
    if form.is_valid():
        try:
            group_update(tenant=request.tenant, group=group, actor=_actor(request), **model_changes(form))
        except ApplicationError as error:
            refusal_on_form(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("office-programme", programme_id=programme.pk)
    return _render(request, "backoffice/programmes/group_form.html",
                   {"form": form, "programme": programme, "group": _group(programme, group_id)}, invalid=True)
