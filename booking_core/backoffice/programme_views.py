"""The back office's programme pages (managers only): programmes with their groups and sign-ups, the batch
allocation's preview and commit, and the allocation log with the strategy and rule behind every decision.

Reads come from booking_core.programmes.selectors; the commit is booking_core.programmes.services.allocation_run
(audited and logged with the member). Creating and editing programmes and groups: programme_edit_views."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from allot.errors import ApplicationError
from booking_core.acting import Actor
from booking_core.backoffice.access import MANAGERS, office_page
from booking_core.backoffice.catalogue_forms import CapacityForm, SessionCancelForm
from booking_core.backoffice.catalogue_views import refusal_on_form
from booking_core.programmes.models import AllocationLogEntry, SignUp
from booking_core.programmes.selectors import (
    groups_for_operator,
    log_entries_for_operator,
    programme_get_for_operator,
    programmes_for_operator,
    signups_for_operator,
)
from booking_core.programmes.services.allocation_run import allocation_commit, allocation_preview
from booking_core.programmes.services.group_changes import group_cancel, group_change_capacity

PAGE_SIZE = 100


class GroupCapacityForm(CapacityForm):
    """A group's new capacity (the keep-bookings choice is a session's; a group moves people out instead)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["keep_existing_bookings"]


GroupCancelForm = SessionCancelForm


def _render(request, template: str, context: dict, status: int = 200):
    return render(request, template, {"tenant": request.tenant, "nav": "programmes", **context}, status=status)


def _choice(value, choices) -> str | None:
    return value if value in dict(choices) else None


@office_page(roles=MANAGERS)
@require_GET
def programmes_page(request):
    return _render(request, "backoffice/programmes/programmes.html", {"programmes": list(programmes_for_operator())})


def _programme_page(request, programme, *, bound=None):
    """The programme's page; `bound` is (group id, "capacity" or "cancel", the submitted form) to show again."""
    status = _choice(request.GET.get("status"), SignUp.Status.choices)
    page = Paginator(signups_for_operator(programme=programme, status=status), PAGE_SIZE).get_page(
        request.GET.get("page"))
    groups = list(groups_for_operator(programme=programme))
    for group in groups:
        group.capacity_form = GroupCapacityForm(prefix=f"g{group.pk}", initial={"capacity": group.capacity})
        group.cancel_form = GroupCancelForm(prefix=f"g{group.pk}")
        if bound and bound[0] == group.pk:
            setattr(group, f"{bound[1]}_form", bound[2])
    return _render(request, "backoffice/programmes/programme.html", {
        "programme": programme, "groups": groups, "page": page, "status": status or "",
        "statuses": SignUp.Status.choices,
    }, status=400 if bound else 200)


@office_page(roles=MANAGERS)
@require_GET
def programme_page(request, programme_id: int):
    return _programme_page(request, programme_get_for_operator(programme_id=programme_id))


def _group(programme, group_id: int):
    group = groups_for_operator(programme=programme).filter(pk=group_id).first()
    if group is None:
        raise Http404("No such group.")
    return group


@office_page(roles=MANAGERS)
@require_POST
def group_action(request, programme_id: int, group_id: int, action: str):
    """Change a group's capacity (fewer places move the newest participants out, more go to the waitlist) or
    cancel it (its participants are re-allocated, waitlisted or told why not, by email)."""
    if action not in ("capacity", "cancel"):
        raise Http404("No such action.")
    programme = programme_get_for_operator(programme_id=programme_id)
    group = _group(programme, group_id)
    form_class = GroupCapacityForm if action == "capacity" else GroupCancelForm
    form = form_class(request.POST, prefix=f"g{group.pk}")
    if form.is_valid():
        actor = Actor.operator(request.user)
        try:
            if action == "capacity":
                group_change_capacity(tenant=request.tenant, group=group, capacity=form.cleaned_data["capacity"],
                                      actor=actor)
                messages.success(request, _("The capacity is now %(capacity)d.") % form.cleaned_data)
            else:
                group_cancel(tenant=request.tenant, group=group, reason=form.cleaned_data["reason"], actor=actor)
                messages.success(request, _("The group is cancelled; its participants are being told."))
        except ApplicationError as error:
            refusal_on_form(form, error)
        else:
            return redirect("office-programme", programme_id=programme.pk)
    return _programme_page(request, programme, bound=(group.pk, action, form))


@office_page(roles=MANAGERS)
@require_GET
def allocation_page(request, programme_id: int):
    programme = programme_get_for_operator(programme_id=programme_id)
    plan, refusal = None, ""
    try:
        plan = allocation_preview(programme=programme)
    except ApplicationError as error:
        refusal = str(error.message)
    rows = []
    if plan is not None:
        groups = {group.pk: group for group in groups_for_operator(programme=programme)}
        below = set(plan.below_minimum())
        rows = [{"group": groups[slot.id], "capacity": slot.capacity, "before": slot.taken,
                 "fill": plan.assignment.fill[slot.id], "below_minimum": slot.id in below} for slot in plan.groups]
    return _render(request, "backoffice/programmes/allocation.html", {
        "programme": programme, "plan": plan, "rows": rows, "refusal": refusal,
    }, status=200)


@office_page(roles=MANAGERS)
@require_POST
def allocation_commit_view(request, programme_id: int):
    programme = programme_get_for_operator(programme_id=programme_id)
    try:
        run = allocation_commit(tenant=request.tenant, programme=programme, actor=Actor.operator(request.user),
                                expected_fingerprint=request.POST.get("fingerprint") or None)
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect("office-programme-allocation", programme_id=programme.pk)
    messages.success(request, _("Allocated: %(allocated)d placed, %(waitlisted)d on the waitlist, %(not)d not "
                                "allocated.") % {"allocated": run.allocated, "waitlisted": run.waitlisted,
                                                 "not": run.not_allocated})
    return redirect("office-programme-log", programme_id=programme.pk)


@office_page(roles=MANAGERS)
@require_GET
def allocation_log_page(request, programme_id: int):
    programme = programme_get_for_operator(programme_id=programme_id)
    decision = _choice(request.GET.get("decision"), AllocationLogEntry.Decision.choices)
    page = Paginator(log_entries_for_operator(programme=programme, decision=decision), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return _render(request, "backoffice/programmes/log.html", {
        "programme": programme, "page": page, "decision": decision or "",
        "decisions": AllocationLogEntry.Decision.choices,
    })
