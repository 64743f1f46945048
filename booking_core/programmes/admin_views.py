"""Pages of a programme in the back office: its allocation log, and the batch allocation preview and commit."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from allot.errors import ApplicationError
from booking_core.programmes.models import AllocationLogEntry, Programme
from booking_core.programmes.selectors import log_entries_for_operator
from booking_core.programmes.services.allocation_run import allocation_commit, allocation_preview

LOG_PAGE_SIZE = 100


def _programme(programme_id: int) -> Programme:
    programme = Programme.objects.filter(pk=programme_id).first()
    if programme is None:
        raise Http404("No such programme.")
    return programme


def allocation_log(modeladmin, request, programme_id: int):
    programme = _programme(programme_id)
    decision = request.GET.get("decision") or None
    if decision not in (None, *AllocationLogEntry.Decision.values):
        decision = None
    entries = log_entries_for_operator(programme=programme, decision=decision)
    page = Paginator(entries, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {**modeladmin.admin_site.each_context(request), "title": f"Allocation log: {programme}",
               "programme": programme, "page": page, "decision": decision or "",
               "decisions": AllocationLogEntry.Decision.choices, "opts": modeladmin.model._meta}
    return TemplateResponse(request, "admin/programmes/allocation_log.html", context)


def batch_allocation(modeladmin, request, programme_id: int, *, actor):
    """GET: what the run would decide; POST (with the preview's fingerprint): commit exactly that."""
    programme = _programme(programme_id)
    here = reverse("tenant_admin:programmes_programme_allocation", args=[programme.pk])
    if request.method == "POST":
        if not modeladmin.has_change_permission(request, programme):
            raise Http404("Not allowed.")
        try:
            run = allocation_commit(tenant=connection.tenant, programme=programme, actor=actor,
                                    expected_fingerprint=request.POST.get("fingerprint") or None)
        except ApplicationError as error:
            modeladmin.message_user(request, str(error.message), level=messages.ERROR)
            return HttpResponseRedirect(here)
        modeladmin.message_user(request, f"Allocated: {run.allocated} placed, {run.waitlisted} waitlisted, "
                                         f"{run.not_allocated} not allocated.")
        return HttpResponseRedirect(reverse("tenant_admin:programmes_programme_log", args=[programme.pk]))
    plan, refusal = None, ""
    try:
        plan = allocation_preview(programme=programme)
    except ApplicationError as error:
        refusal = str(error.message)
    groups = {group.pk: group for group in programme.groups.all()}
    rows = []
    if plan is not None:
        below = set(plan.below_minimum())
        rows = [{"group": groups[slot.id], "capacity": slot.capacity, "before": slot.taken,
                 "fill": plan.assignment.fill[slot.id], "below_minimum": slot.id in below} for slot in plan.groups]
    context = {**modeladmin.admin_site.each_context(request), "title": f"Batch allocation: {programme}",
               "programme": programme, "plan": plan, "rows": rows, "refusal": refusal,
               "opts": modeladmin.model._meta, "can_commit": modeladmin.has_change_permission(request, programme)}
    return TemplateResponse(request, "admin/programmes/batch_allocation.html", context)
