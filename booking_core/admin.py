"""The tenant's back office until it has its own pages: every booking model in the tenant admin.

Every write goes through the same services as the API (tenants.admin_writes): changes with rules (capacity,
cancellations, attendance) and plain catalogue edits alike, so they are validated and audited; a refusal
shows as errors on the form. Records nobody edits by hand are read-only here.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import connection

from allot.errors import ApplicationError
from booking_core.acting import Actor
from booking_core.models import (
    AuditEntry,
    AvailabilityOverride,
    Booking,
    CalendarBusyBlock,
    CalendarConnection,
    CalendarEventLink,
    CalendarFeed,
    Client,
    FormField,
    NotificationTemplate,
    Service,
    Session,
    SlotClaim,
    StaffMember,
    TimeOff,
    WebhookDelivery,
    WebhookEndpoint,
    WorkingHours,
)
from booking_core.services import bookings as booking_services
from booking_core.services import catalogue, clients, sessions
from tenants.admin_site import ReadOnlyAdminMixin, tenant_admin_site
from tenants.admin_writes import ServiceWritesAdmin, ServiceWritesInline, model_values
from tenants.api_keys import api_key_create, api_key_revoke
from tenants.models import ApiKey, Membership
from tenants.permissions import current_tenant, membership_role


def _actor(request) -> Actor:
    return Actor.operator(request.user)


def _refuse(modeladmin, request, error: ApplicationError) -> None:
    details = "; ".join(f"{field}: {' '.join(messages_)}" for field, messages_ in error.fields.items())
    modeladmin.message_user(request, f"{error.message} {details}".strip(), level=messages.ERROR)


class FormFieldInline(ServiceWritesInline, admin.StackedInline):
    model = FormField
    extra = 0
    fields = [("key", "field_type", "position", "required"), ("label_en", "label_hu", "label_de"),
              ("help_en", "help_hu", "help_de"), "choices", ("max_length", "min_value", "max_value")]

    def create_object(self, request, parent, form):
        return catalogue.form_field_create(service=parent, actor=_actor(request), **model_values(form,
                                                                                                  exclude=["service"]))

    def update_object(self, request, obj, form, changes):
        catalogue.form_field_update(field=obj, actor=_actor(request), **changes)

    def delete_object(self, request, obj):
        catalogue.form_field_delete(field=obj, actor=_actor(request))


@admin.register(Service, site=tenant_admin_site)
class ServiceAdmin(ServiceWritesAdmin, admin.ModelAdmin):
    list_display = ["__str__", "kind", "duration_minutes", "price_amount", "price_currency", "is_active", "position"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name_en", "name_hu", "name_de", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}
    inlines = [FormFieldInline]

    def create_object(self, request, form):
        return catalogue.service_create(actor=_actor(request), **model_values(form))

    def update_object(self, request, obj, form, changes):
        catalogue.service_update(service=obj, actor=_actor(request), **changes)

    def delete_object(self, request, obj):
        catalogue.service_delete(service=obj, actor=_actor(request))


class WorkingHoursInline(ServiceWritesInline, admin.TabularInline):
    model = WorkingHours
    extra = 0

    def create_object(self, request, parent, form):
        return catalogue.working_hours_create(staff=parent, actor=_actor(request),
                                              **model_values(form, exclude=["staff"]))

    def update_object(self, request, obj, form, changes):
        catalogue.working_hours_update(hours=obj, actor=_actor(request), **changes)

    def delete_object(self, request, obj):
        catalogue.working_hours_delete(hours=obj, actor=_actor(request))


class OverrideInline(ServiceWritesInline, admin.TabularInline):
    model = AvailabilityOverride
    extra = 0

    def create_object(self, request, parent, form):
        return catalogue.override_create(staff=parent, actor=_actor(request), **model_values(form, exclude=["staff"]))

    def update_object(self, request, obj, form, changes):
        catalogue.override_update(override=obj, actor=_actor(request), **changes)

    def delete_object(self, request, obj):
        catalogue.override_delete(override=obj, actor=_actor(request))


class TimeOffInline(ServiceWritesInline, admin.TabularInline):
    model = TimeOff
    extra = 0

    def create_object(self, request, parent, form):
        return catalogue.time_off_create(staff=parent, actor=_actor(request), **model_values(form, exclude=["staff"]))

    def update_object(self, request, obj, form, changes):
        catalogue.time_off_update(time_off=obj, actor=_actor(request), **changes)

    def delete_object(self, request, obj):
        catalogue.time_off_delete(time_off=obj, actor=_actor(request))


@admin.register(StaffMember, site=tenant_admin_site)
class StaffMemberAdmin(ServiceWritesAdmin, admin.ModelAdmin):
    list_display = ["name", "email", "is_active"]
    search_fields = ["name", "email"]
    filter_horizontal = ["services"]
    inlines = [WorkingHoursInline, OverrideInline, TimeOffInline]

    def create_object(self, request, form):
        return catalogue.staff_create(actor=_actor(request), services=list(form.cleaned_data.get("services", [])),
                                      **model_values(form))

    def update_object(self, request, obj, form, changes):
        services = list(form.cleaned_data["services"]) if "services" in form.changed_data else None
        catalogue.staff_update(staff=obj, actor=_actor(request), services=services, **changes)

    def delete_object(self, request, obj):
        catalogue.staff_delete(staff=obj, actor=_actor(request))


class SessionAdminForm(forms.ModelForm):
    keep_existing_bookings = forms.BooleanField(
        required=False, help_text="Lowering capacity below the seats taken: keep every booking (explicit decision).")

    class Meta:
        model = Session
        fields = ["service", "starts_at", "ends_at", "capacity", "location"]


@admin.register(Session, site=tenant_admin_site)
class SessionAdmin(ServiceWritesAdmin, admin.ModelAdmin):
    form = SessionAdminForm
    list_display = ["service", "starts_at", "capacity", "seats_booked", "seats_held", "location", "is_cancelled",
                    "waitlist"]
    actions = ["cancel"]
    list_filter = ["service", "is_cancelled"]
    date_hierarchy = "starts_at"
    readonly_fields = ["seats_booked", "seats_held", "accepted_overbooking", "is_cancelled", "recurrence_key"]

    @admin.display(description="waitlist")
    def waitlist(self, obj):
        from django.urls import reverse
        from django.utils.html import format_html

        return format_html('<a href="{}">queue</a>', reverse("tenant_admin:booking_core_waitlist_session",
                                                             args=[obj.pk]))

    def get_readonly_fields(self, request, obj=None):
        fixed = ["service", "starts_at", "ends_at"] if obj is not None else []
        return [*fixed, *self.readonly_fields]

    def has_delete_permission(self, request, obj=None):
        return False  # cancel instead: bookings are cancelled with it and clients are told

    def create_object(self, request, form):
        return sessions.session_create(
            service=form.cleaned_data["service"], starts_at=form.cleaned_data["starts_at"],
            ends_at=form.cleaned_data.get("ends_at"), capacity=form.cleaned_data["capacity"],
            location=form.cleaned_data.get("location", ""), actor=_actor(request))

    def update_object(self, request, obj, form, changes):
        actor = _actor(request)
        if "location" in changes:
            sessions.session_update(session=obj, actor=actor, location=changes["location"])
        if "capacity" in changes:
            sessions.session_change_capacity(session=obj, capacity=changes["capacity"], actor=actor,
                                             keep_existing_bookings=form.cleaned_data["keep_existing_bookings"])

    @admin.action(description="Cancel (bookings are cancelled and clients told)")
    def cancel(self, request, queryset):
        for session in queryset:
            try:
                sessions.session_cancel(tenant=connection.tenant, session=session, actor=_actor(request),
                                        reason="Cancelled by the organisation.")
            except ApplicationError as error:
                _refuse(self, request, error)


@admin.register(Client, site=tenant_admin_site)
class ClientAdmin(ServiceWritesAdmin, admin.ModelAdmin):
    list_display = ["name", "email", "phone", "preferred_language", "created_at"]
    search_fields = ["name", "email", "phone"]

    def create_object(self, request, form):
        return clients.client_create(actor=_actor(request), **model_values(form))

    def update_object(self, request, obj, form, changes):
        clients.client_update(client=obj, actor=_actor(request), **changes)

    def delete_object(self, request, obj):
        clients.client_delete(client=obj, actor=_actor(request))


@admin.register(Booking, site=tenant_admin_site)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["id", "starts_at", "service", "client", "seats", "status", "source", "staff"]
    list_filter = ["status", "source", "service"]
    search_fields = ["client__name", "client__email", "manage_token"]
    date_hierarchy = "starts_at"
    list_select_related = ["service", "client", "staff"]
    actions = ["confirm", "mark_attended", "mark_no_show", "cancel_by_operator"]
    readonly_fields = [field.name for field in Booking._meta.fields]

    def has_add_permission(self, request):
        return False  # bookings are made through the booking site or the API, with all their rules

    def has_change_permission(self, request, obj=None):
        return False  # shown read-only: bookings change through the actions below, which call the services

    def has_delete_permission(self, request, obj=None):
        return False  # cancel instead: history stays

    def _each(self, request, queryset, change):
        done = 0
        for booking in queryset:
            try:
                change(booking)
                done += 1
            except ApplicationError as error:
                _refuse(self, request, error)
        if done:
            self.message_user(request, f"{done} booking(s) updated.")

    @admin.action(description="Confirm the selected pending bookings")
    def confirm(self, request, queryset):
        self._each(request, queryset, lambda b: booking_services.booking_confirm(booking=b, actor=_actor(request)))

    @admin.action(description="Mark as attended")
    def mark_attended(self, request, queryset):
        self._each(request, queryset, lambda b: booking_services.booking_mark_attendance(
            booking=b, attended=True, actor=_actor(request)))

    @admin.action(description="Mark as no-show")
    def mark_no_show(self, request, queryset):
        self._each(request, queryset, lambda b: booking_services.booking_mark_attendance(
            booking=b, attended=False, actor=_actor(request)))

    @admin.action(description="Cancel (reason: cancelled by the organisation)")
    def cancel_by_operator(self, request, queryset):
        self._each(request, queryset, lambda b: booking_services.booking_cancel(
            tenant=connection.tenant, booking=b, actor=_actor(request), reason="Cancelled by the organisation."))


@admin.register(AuditEntry, site=tenant_admin_site)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "actor_label", "action", "object_type", "object_id"]
    list_filter = ["action", "actor_kind", "object_type"]
    search_fields = ["actor_label", "action"]
    readonly_fields = [field.name for field in AuditEntry._meta.fields]


@admin.register(SlotClaim, site=tenant_admin_site)
class SlotClaimAdmin(AuditEntryAdmin):
    """Read-only: shows which 5-minute cells a booking holds, for support."""

    list_display = ["staff", "cell_start", "booking"]
    list_filter = ["staff"]
    search_fields = []
    readonly_fields = ["staff", "cell_start", "booking"]


class InlineRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Also listed on their own, for searching across staff or services; edited on their staff member's or
    service's page, where the services' rules apply."""


for inline_model in (WorkingHours, AvailabilityOverride, TimeOff, FormField):
    tenant_admin_site.register(inline_model, InlineRecordAdmin)


@admin.register(NotificationTemplate, site=tenant_admin_site)
class NotificationTemplateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the organisation's own email texts are written in the back office (/office/settings/
    notifications/), through booking_core.services.notification_texts."""

    list_display = ["event_type", "language", "subject", "updated_at"]
    list_filter = ["event_type", "language"]
    readonly_fields = ["event_type", "language", "subject", "text", "updated_at"]


class ApiKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["name", "role"]


@admin.register(ApiKey, site=tenant_admin_site)
class TenantApiKeyAdmin(admin.ModelAdmin):
    """Owners and admins create keys here; the secret is shown once, in the confirmation message."""

    form = ApiKeyForm
    list_display = ["name", "prefix", "role", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def _manager(self, request) -> bool:
        return membership_role(user=request.user, tenant=current_tenant()) in (Membership.Role.OWNER,
                                                                               Membership.Role.ADMIN)

    def has_module_permission(self, request):
        return self._manager(request)

    def has_view_permission(self, request, obj=None):
        return self._manager(request)

    def has_add_permission(self, request):
        return self._manager(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(tenant=current_tenant())

    def save_model(self, request, obj, form, change):
        key, secret = api_key_create(tenant=current_tenant(), name=form.cleaned_data["name"],
                                     role=form.cleaned_data["role"], created_by=request.user)
        obj.pk = key.pk
        self.message_user(request, f"API key created. Copy it now, it will not be shown again: {secret}",
                          level=messages.WARNING)

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset):
        for key in queryset:
            api_key_revoke(key=key, actor=request.user)

from booking_core.waitlist import admin as admin_waitlist  # noqa: E402,F401  (waitlist pages of the back office)

# --- calendar sync (booking_core/calendar_sync): read-only, for support; connected in the back office ---


@admin.register(CalendarConnection, site=tenant_admin_site)
class CalendarConnectionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Never shows the stored (encrypted) password."""

    list_display = ["staff", "provider", "username", "status", "last_synced_at", "failures", "next_attempt_at"]
    list_filter = ["provider", "status"]
    exclude = ["secret_encrypted"]


@admin.register(CalendarEventLink, site=tenant_admin_site)
class CalendarEventLinkAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["connection", "booking_id", "uid", "written_at"]


@admin.register(CalendarBusyBlock, site=tenant_admin_site)
class CalendarBusyBlockAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["staff", "starts_at", "ends_at"]
    list_filter = ["staff"]


# --- calendar feeds and outgoing webhooks: read-only, for support; managed in the back office ---


@admin.register(CalendarFeed, site=tenant_admin_site)
class CalendarFeedAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Never shows the feed's secret token (the address)."""

    list_display = ["kind", "staff", "client", "created_at", "token_reset_at"]
    list_filter = ["kind"]
    exclude = ["token"]


@admin.register(WebhookEndpoint, site=tenant_admin_site)
class WebhookEndpointAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Never shows the signing secrets."""

    list_display = ["url", "description", "is_enabled", "failures_in_a_row", "disabled_at"]
    list_filter = ["is_enabled"]
    exclude = ["secret", "previous_secret"]


@admin.register(WebhookDelivery, site=tenant_admin_site)
class WebhookDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "endpoint", "event_type", "event_id", "attempt", "response_status", "succeeded"]
    list_filter = ["succeeded", "event_type"]

