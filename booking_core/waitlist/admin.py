"""Waitlists in the back office: the queue per session with who is next and why, offers with release / skip /
withdraw, priorities with their reasons, and the revenue protection figures.

Every change goes through the waitlist services, exactly as the API does.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from allot.errors import ApplicationError
from booking_core.acting import Actor
from booking_core.models import Offer, Session, WaitlistEntry
from booking_core.waitlist.selectors.entries import candidates_for_session
from booking_core.waitlist.selectors.figures import waitlist_figures
from booking_core.waitlist.services import entries as waitlist_services
from booking_core.waitlist.services import offers as offer_services
from tenants.admin_site import ReadOnlyAdminMixin, tenant_admin_site
from tenants.admin_writes import ServiceRefusalsAsFormErrors


def _actor(request) -> Actor:
    return Actor.operator(request.user)


def _report(modeladmin, request, done: int, noun: str, errors: list[str]) -> None:
    for error in errors:
        modeladmin.message_user(request, error, level=messages.ERROR)
    if done:
        modeladmin.message_user(request, f"{done} {noun}.")


def _each(modeladmin, request, queryset, change, noun: str) -> None:
    done, errors = 0, []
    for item in queryset:
        try:
            change(item)
            done += 1
        except ApplicationError as error:
            errors.append(f"#{item.pk}: {error.message}")
    _report(modeladmin, request, done, noun, errors)


class PriorityForm(forms.ModelForm):
    class Meta:
        model = WaitlistEntry
        fields = ["priority", "priority_reason"]

    def clean(self):
        cleaned = super().clean()
        if "priority" in self.changed_data and not (cleaned.get("priority_reason") or "").strip():
            self.add_error("priority_reason", "Say why the priority changes; it is shown with the ranking.")
        return cleaned


@admin.register(WaitlistEntry, site=tenant_admin_site)
class WaitlistEntryAdmin(ServiceRefusalsAsFormErrors, admin.ModelAdmin):
    form = PriorityForm
    list_display = ["id", "client", "service", "target_key", "seats_wanted", "status", "priority", "priority_reason",
                    "source", "offers_sent", "emails_opened", "links_clicked", "page_views", "last_activity_at",
                    "created_at"]
    list_filter = ["status", "source", "service", "target_kind"]
    search_fields = ["client__name", "client__email", "campaign_code"]
    list_select_related = ["client", "service"]
    actions = ["remove"]
    change_list_template = "admin/booking_core/waitlistentry/change_list.html"

    def get_readonly_fields(self, request, obj=None):
        editable = {"priority", "priority_reason"}
        return [field.name for field in WaitlistEntry._meta.fields if field.name not in editable] + ["offers"]

    def has_add_permission(self, request):
        return False  # clients join on the booking site; operators add entries through the API

    def has_delete_permission(self, request, obj=None):
        return False  # remove instead: the history stays

    @admin.display(description="offers")
    def offers(self, obj):
        return format_html_join(mark_safe("<br>"), "#{} {} {} ({})", (
            (offer.pk, offer.starts_at.strftime("%Y-%m-%d %H:%M"), offer.get_status_display(), offer.seats)
            for offer in obj.offers.order_by("-prepared_at")))

    def save_model(self, request, obj, form, change):
        if change and {"priority", "priority_reason"} & set(form.changed_data):
            waitlist_services.waitlist_entry_set_priority(
                entry=WaitlistEntry.objects.get(pk=obj.pk), priority=form.cleaned_data["priority"],
                reason=form.cleaned_data["priority_reason"], actor=_actor(request))

    @admin.action(description="Take the selected entries off the waitlist")
    def remove(self, request, queryset):
        _each(self, request, queryset, lambda entry: waitlist_services.waitlist_entry_remove(
            entry=entry, actor=_actor(request)), "entries removed")

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("figures/", view(self.figures_view), name="booking_core_waitlist_figures"),
            path("session/<int:session_id>/", view(self.session_queue_view), name="booking_core_waitlist_session"),
            *super().get_urls(),
        ]

    def figures_view(self, request):
        total, rows = waitlist_figures()
        context = {**self.admin_site.each_context(request), "title": "Waitlist: revenue protection",
                   "total": total, "rows": rows, "opts": self.model._meta}
        return TemplateResponse(request, "admin/booking_core/waitlist_figures.html", context)

    def session_queue_view(self, request, session_id: int):
        session = Session.objects.select_related("service").filter(pk=session_id).first()
        if session is None:
            from django.http import Http404

            raise Http404("No such session.")
        context = {**self.admin_site.each_context(request), "title": f"Waitlist: {session}", "session": session,
                   "rows": candidates_for_session(session), "opts": self.model._meta}
        return TemplateResponse(request, "admin/booking_core/waitlist_queue.html", context)


@admin.register(Offer, site=tenant_admin_site)
class OfferAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "candidate", "service", "starts_at", "seats", "status", "made_by_operator", "prepared_at",
                    "sent_at", "expires_at", "booking"]
    list_filter = ["status", "service", "made_by_operator"]
    search_fields = ["entry__client__name", "entry__client__email"]
    list_select_related = ["entry__client", "service", "booking"]
    actions = ["release", "skip", "withdraw"]
    readonly_fields = [field.name for field in Offer._meta.fields]


    @admin.display(description="candidate")
    def candidate(self, obj):
        return obj.entry.client

    @admin.action(description="Release (send) the selected prepared offers")
    def release(self, request, queryset):
        _each(self, request, queryset, lambda offer: offer_services.offer_release(offer=offer, actor=_actor(request)),
              "offers sent")

    @admin.action(description="Skip these candidates (the next one gets the place)")
    def skip(self, request, queryset):
        _each(self, request, queryset,
              lambda offer: offer_services.offer_skip(tenant=request.tenant, offer=offer, actor=_actor(request)),
              "candidates skipped")

    @admin.action(description="Withdraw (the place returns to general sale)")
    def withdraw(self, request, queryset):
        _each(self, request, queryset, lambda offer: offer_services.offer_withdraw(offer=offer, actor=_actor(request)),
              "offers withdrawn")
