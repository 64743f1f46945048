"""Programmes in the back office: programmes with their form, groups, sign-ups, the allocation log, batch runs.

Every write goes through the same services as the API (tenants.admin_writes): programmes and their
questions, groups, capacity, cancelling and running groups below the minimum, withdrawing sign-ups,
releasing offers, previewing and committing a batch. A refusal shows as errors on the form.
The allocation log and the batch preview are pages of the programme (see admin_views).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import connection
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from allot.errors import ApplicationError
from booking_core.acting import Actor
from booking_core.programmes import admin_views
from booking_core.programmes.models import AllocationRun, Programme, ProgrammeFormField, ProgrammeGroup, SignUp
from booking_core.programmes.services import group_changes, groups, programmes
from booking_core.programmes.services.offers import place_offer_release
from booking_core.programmes.services.signups import signup_create, signup_withdraw
from booking_core.services.bookings import ClientDetails
from tenants.admin_site import tenant_admin_site
from tenants.admin_writes import ServiceRefusalsAsFormErrors, ServiceWritesAdmin, ServiceWritesInline, model_values
from tenants.models import LANGUAGE_CHOICES
from tenants.permissions import current_tenant, membership_role, role_allows, role_is_manager


def _actor(request) -> Actor:
    return Actor.operator(request.user)


class MemberRolePermissions:
    """Permissions by membership role, the same rules as tenants.permissions applies to booking_core.

    The membership permission backend only knows the app labels it lists (`programmes` is not one of them),
    so these admins ask the role themselves.
    """

    def _allowed(self, request, action: str) -> bool:
        role = membership_role(user=request.user, tenant=current_tenant())
        return role_allows(role, action, self.model._meta.model_name)

    def has_module_permission(self, request):
        return role_is_manager(membership_role(user=request.user, tenant=current_tenant()))

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, "view")

    def has_add_permission(self, request, *args):
        return self._allowed(request, "add")

    def has_change_permission(self, request, obj=None):
        return self._allowed(request, "change")

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request, "delete")


def _each(modeladmin, request, queryset, change, noun: str) -> None:
    done = 0
    for item in queryset:
        try:
            change(item)
            done += 1
        except ApplicationError as error:
            modeladmin.message_user(request, f"#{item.pk}: {error.message}", level=messages.ERROR)
    if done:
        modeladmin.message_user(request, f"{done} {noun}.")


class FormFieldInline(MemberRolePermissions, ServiceWritesInline, admin.StackedInline):
    model = ProgrammeFormField
    extra = 0
    fields = [("key", "field_type", "position", "required"), ("label_en", "label_hu", "label_de"),
              ("help_en", "help_hu", "help_de"), "choices", ("max_length", "min_value", "max_value")]

    def create_object(self, request, parent, form):
        return programmes.form_field_create(programme=parent, actor=_actor(request),
                                            **model_values(form, exclude=["programme"]))

    def update_object(self, request, obj, form, changes):
        programmes.form_field_update(question=obj, actor=_actor(request), **changes)

    def delete_object(self, request, obj):
        programmes.form_field_delete(question=obj, actor=_actor(request))


class GroupInline(MemberRolePermissions, admin.TabularInline):
    """Groups at a glance; they are edited on their own page (capacity changes re-allocate)."""

    model = ProgrammeGroup
    extra = 0
    fields = ["link", "capacity", "places_taken", "position", "is_cancelled", "minimum_decision"]
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="group")
    def link(self, group):
        url = reverse("tenant_admin:programmes_programmegroup_change", args=[group.pk])
        return format_html('<a href="{}">{}</a>', url, group.label())


class RunInline(MemberRolePermissions, admin.TabularInline):
    model = AllocationRun
    extra = 0
    fields = ["created_at", "strategy", "order_mode", "seed", "signups", "allocated", "waitlisted", "not_allocated",
              "max_fill_spread", "actor_label", "fingerprint"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Programme, site=tenant_admin_site)
class ProgrammeAdmin(MemberRolePermissions, ServiceWritesAdmin, admin.ModelAdmin):
    list_display = ["__str__", "period_start", "period_end", "strategy", "allocation_mode", "signup_opens_at",
                    "signup_closes_at", "is_published", "allocated_at", "pages"]
    list_filter = ["strategy", "allocation_mode", "is_published"]
    search_fields = ["name_en", "name_hu", "name_de", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}
    readonly_fields = ["previous_programme", "allocated_at", "window_closed_at", "pages"]
    inlines = [GroupInline, FormFieldInline, RunInline]
    actions = ["roll_over"]

    @admin.display(description="pages")
    def pages(self, programme):
        if programme.pk is None:
            return "–"
        links = [(reverse("tenant_admin:programmes_programme_log", args=[programme.pk]), "allocation log"),
                 (reverse("tenant_admin:programmes_signup_changelist") + f"?programme__id__exact={programme.pk}",
                  "sign-ups")]
        if programme.is_batch:
            links.append((reverse("tenant_admin:programmes_programme_allocation", args=[programme.pk]),
                          "batch allocation"))
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    def create_object(self, request, form):
        return programmes.programme_create(tenant=connection.tenant, actor=_actor(request), **form.cleaned_data)

    def update_object(self, request, obj, form, changes):
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        if data:
            programmes.programme_update(tenant=connection.tenant, programme=obj, actor=_actor(request), **data)

    def delete_object(self, request, obj):
        programmes.programme_delete(programme=obj, actor=_actor(request))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:programme_id>/log/", view(self.log_view), name="programmes_programme_log"),
            path("<int:programme_id>/allocation/", view(self.allocation_view), name="programmes_programme_allocation"),
            *super().get_urls(),
        ]

    def log_view(self, request, programme_id: int):
        return admin_views.allocation_log(self, request, programme_id)

    def allocation_view(self, request, programme_id: int):
        return admin_views.batch_allocation(self, request, programme_id, actor=_actor(request))

    @admin.action(description="Roll over to the next month (as a draft)")
    def roll_over(self, request, queryset):
        _each(self, request, queryset, lambda programme: programmes.programme_roll_over(
            tenant=connection.tenant, programme=programme, actor=_actor(request)), "programmes rolled over")


class GroupAdminForm(forms.ModelForm):
    class Meta:
        model = ProgrammeGroup
        fields = ["programme", "name_en", "name_hu", "name_de", "weekday", "start_time", "duration_minutes",
                  "location", "capacity", "position"]


@admin.register(ProgrammeGroup, site=tenant_admin_site)
class ProgrammeGroupAdmin(MemberRolePermissions, ServiceWritesAdmin, admin.ModelAdmin):
    form = GroupAdminForm
    list_display = ["__str__", "capacity", "places_taken", "position", "is_cancelled", "minimum_decision"]
    list_filter = ["programme", "is_cancelled", "minimum_decision"]
    readonly_fields = ["places_taken", "is_cancelled", "cancellation_reason", "minimum_decision",
                       "below_minimum_flagged_at", "sessions"]
    actions = ["cancel", "runs_below_minimum"]

    def get_readonly_fields(self, request, obj=None):
        return [*(["programme"] if obj is not None else []), *self.readonly_fields]

    @admin.display(description="sessions")
    def sessions(self, group):
        zone = connection.tenant.zone
        return format_html_join(mark_safe("<br>"), "{}", ((f"{session.starts_at.astimezone(zone):%a %Y-%m-%d %H:%M}",)
                                                          for session in group.sessions.all()))

    def create_object(self, request, form):
        return groups.group_create(tenant=connection.tenant, actor=_actor(request), **form.cleaned_data)

    def update_object(self, request, obj, form, changes):
        tenant, actor, data = connection.tenant, _actor(request), form.cleaned_data
        edits = {name: data[name] for name in form.changed_data if name in groups.EDITABLE_FIELDS}
        if edits:
            groups.group_update(tenant=tenant, group=obj, actor=actor, **edits)
        if "capacity" in form.changed_data:
            group_changes.group_change_capacity(tenant=tenant, group=obj, capacity=data["capacity"], actor=actor)

    def has_delete_permission(self, request, obj=None):
        return False  # cancel instead: participants are re-allocated and told

    @admin.action(description="Cancel (participants are re-allocated by the strategy)")
    def cancel(self, request, queryset):
        _each(self, request, queryset, lambda group: group_changes.group_cancel(
            tenant=connection.tenant, group=group, reason="Cancelled by the organisation.", actor=_actor(request)),
            "groups cancelled")

    @admin.action(description="Run these groups although below the minimum size")
    def runs_below_minimum(self, request, queryset):
        _each(self, request, queryset, lambda group: group_changes.group_confirm_runs(group=group,
                                                                                      actor=_actor(request)),
              "groups confirmed")


class SignUpAddForm(forms.ModelForm):
    """Staff sign someone up (a phone call): the same service as the booking site, the window aside."""

    name = forms.CharField(max_length=200)
    email = forms.EmailField()
    sign_up_language = forms.ChoiceField(choices=LANGUAGE_CHOICES, initial="en", label="Language")
    ranked_groups = forms.CharField(required=False, help_text="Group ids, best first, separated by commas; "
                                                              "empty: any group.")

    class Meta:
        model = SignUp
        fields = ["programme", "attendee_name"]

    def clean_ranked_groups(self):
        raw = [part.strip() for part in self.cleaned_data["ranked_groups"].split(",") if part.strip()]
        # Only ASCII digits: "²" is a digit to str.isdigit() but int() refuses it.
        if not all(part.isascii() and part.isdigit() for part in raw):
            raise forms.ValidationError("Use group ids separated by commas.")
        return [int(part) for part in raw]


@admin.register(SignUp, site=tenant_admin_site)
class SignUpAdmin(MemberRolePermissions, ServiceRefusalsAsFormErrors, admin.ModelAdmin):
    list_display = ["id", "participant_name", "client", "programme", "status", "group", "waitlist_number",
                    "status_rule", "is_returning", "created_at"]
    list_filter = ["programme", "status", "group", "is_returning"]
    search_fields = ["client__name", "client__email", "attendee_name", "token"]
    list_select_related = ["client", "programme", "group"]
    actions = ["withdraw", "release_offers"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = SignUpAddForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["programme", "name", "email", "attendee_name", "sign_up_language", "ranked_groups"]
        return [field.name for field in SignUp._meta.fields if field.name != "token"] + ["history"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    @admin.display(description="allocation log")
    def history(self, signup):
        return format_html_join(mark_safe("<br>"), "{} {} ({}): {}", (
            (f"{entry.created_at:%Y-%m-%d %H:%M}", entry.get_decision_display(), entry.rule, entry.reason)
            for entry in signup.log_entries.order_by("id")))

    def has_delete_permission(self, request, obj=None):
        return False  # withdraw instead: the history stays

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing is edited in place
        data = form.cleaned_data
        (created, *_rest) = signup_create(
            tenant=connection.tenant, programme=data["programme"],
            client=ClientDetails(name=data["name"], email=data["email"]),
            attendees=[data["attendee_name"]] if data["attendee_name"] else None,
            preferences=data["ranked_groups"], language=data["sign_up_language"], actor=_actor(request))
        obj.pk = created.pk

    def save_related(self, request, form, formsets, change):
        pass  # a sign-up has no inlines; the service saved everything

    @admin.action(description="Withdraw (a freed place goes to the waitlist)")
    def withdraw(self, request, queryset):
        _each(self, request, queryset, lambda signup: signup_withdraw(
            tenant=connection.tenant, signup=signup, actor=_actor(request), reason="Withdrawn by the organisation."),
            "sign-ups withdrawn")

    @admin.action(description="Release (send) the prepared offers of the selected sign-ups")
    def release_offers(self, request, queryset):
        prepared = {signup.offer for signup in queryset.select_related("offer")
                    if signup.offer_id and signup.offer.status == "prepared"}
        _each(self, request, prepared, lambda offer: place_offer_release(
            tenant=connection.tenant, offer=offer, actor=_actor(request)), "offers sent")
