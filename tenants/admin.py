"""Platform staff manage organisations from the root domain's admin.

Every write goes through tenants.services (tenants.admin_writes), as sign-up and the console do: validated,
written to the platform audit log, and the cached host names forgotten when a domain changes.
Organisations are suspended, never deleted here (deleting drops the schema with every booking in it).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model

from allot.errors import ApplicationError
from tenants.admin_site import ReadOnlyAdminMixin
from tenants.admin_writes import ServiceWritesAdmin, ServiceWritesInline, refuse_in_admin
from tenants.forms import LogoField
from tenants.models import LANGUAGE_CHOICES, Domain, Membership, PlatformAuditEntry, Tenant
from tenants.services import (
    domain_add,
    domain_remove,
    domain_update,
    membership_add,
    membership_remove,
    membership_update,
    tenant_create,
    tenant_logo_remove,
    tenant_logo_set,
    tenant_set_status,
    tenant_update,
)


class DomainWrites:
    def create_object(self, request, parent, form):
        return domain_add(tenant=parent, domain=form.cleaned_data["domain"],
                          is_primary=form.cleaned_data.get("is_primary", False), actor=request.user)

    def update_object(self, request, obj, form, changes):
        domain_update(domain=obj, actor=request.user, **changes)

    def delete_object(self, request, obj):
        domain_remove(domain=obj, actor=request.user)


class MembershipWrites:
    def create_object(self, request, parent, form):
        return membership_add(tenant=parent, user=form.cleaned_data["user"], role=form.cleaned_data["role"],
                              actor=request.user)

    def update_object(self, request, obj, form, changes):
        if set(changes) - {"role"}:
            # A membership belongs to one user: give the other user their own membership instead.
            raise ApplicationError("Only the role of a membership can be changed.",
                                   fields={"user": ["Add a membership for the other user instead."]})
        membership_update(membership=obj, role=changes["role"], actor=request.user)

    def delete_object(self, request, obj):
        membership_remove(membership=obj, actor=request.user)


class DomainInline(DomainWrites, ServiceWritesInline, admin.TabularInline):
    model = Domain
    extra = 0


class MembershipInline(MembershipWrites, ServiceWritesInline, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class TenantCreationForm(forms.ModelForm):
    owner_email = forms.EmailField(help_text="An existing user who becomes the owner.")

    class Meta:
        model = Tenant
        fields = ["slug", "display_name", "timezone", "default_language", "owner_email"]

    def clean_owner_email(self):
        email = self.cleaned_data["owner_email"].lower()
        try:
            self.owner = get_user_model().objects.get(email__iexact=email)
        except get_user_model().DoesNotExist as error:
            raise forms.ValidationError("No user has this email address.") from error
        return email


class TenantChangeForm(forms.ModelForm):
    """The model's fields, but the logo goes through tenant_logo_set (checked, re-encoded), not straight to
    storage as uploaded."""

    logo = LogoField(required=False)

    class Meta:
        model = Tenant
        exclude = ["logo"]  # noqa: DJ006 (the one field the model form must not write: see above)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["logo"] = self.instance.logo or None


@admin.register(Tenant)
class TenantAdmin(ServiceWritesAdmin, admin.ModelAdmin):
    list_display = ["display_name", "slug", "schema_name", "status", "timezone", "default_language", "created_at"]
    list_filter = ["status", "default_language"]
    search_fields = ["display_name", "slug", "schema_name"]
    # The suspension's reason is written by tenant_suspend / tenant_resume (the console), with the status.
    readonly_fields = ["schema_name", "suspension_reason", "status_before_suspension", "created_at", "updated_at"]
    inlines = [DomainInline, MembershipInline]
    actions = ["suspend", "reactivate"]

    def get_queryset(self, request):
        return super().get_queryset(request).customers()

    form = TenantChangeForm

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = TenantCreationForm
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["slug", "display_name", "timezone", "default_language", "owner_email"]})]
        return super().get_fieldsets(request, obj)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_readonly_fields(self, request, obj=None):
        # The slug is the organisation's address (its domain and schema were made from it).
        return [*self.readonly_fields, "slug"] if obj is not None else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False  # suspend instead: deleting drops the schema with every booking in it

    def create_object(self, request, form):
        return tenant_create(
            slug=form.cleaned_data["slug"],
            display_name=form.cleaned_data["display_name"],
            owner=form.owner,
            timezone=form.cleaned_data["timezone"],
            default_language=form.cleaned_data["default_language"],
            enabled_languages=[code for code, _label in LANGUAGE_CHOICES],
            actor=request.user,
        )

    def update_object(self, request, obj, form, changes):
        changes.pop("logo", None)
        if changes:
            tenant_update(tenant=obj, actor=request.user, **changes)
        if "logo" in form.changed_data:
            logo = form.cleaned_data["logo"]
            if logo is False:
                tenant_logo_remove(tenant=obj, actor=request.user)
            elif logo:
                tenant_logo_set(tenant=obj, upload=logo, actor=request.user)

    def _set_status(self, request, queryset, status):
        for tenant in queryset:
            try:
                tenant_set_status(tenant=tenant, status=status, actor=request.user)
            except ApplicationError as error:
                refuse_in_admin(self, request, error, label=str(tenant))

    @admin.action(description="Suspend the selected organisations")
    def suspend(self, request, queryset):
        self._set_status(request, queryset, Tenant.Status.SUSPENDED)

    @admin.action(description="Reactivate the selected organisations")
    def reactivate(self, request, queryset):
        self._set_status(request, queryset, Tenant.Status.ACTIVE)


class DomainAdminForm(forms.ModelForm):
    class Meta:
        model = Domain
        fields = ["domain", "tenant", "is_primary"]


@admin.register(Domain)
class DomainAdmin(DomainWrites, ServiceWritesAdmin, admin.ModelAdmin):
    form = DomainAdminForm
    list_display = ["domain", "tenant", "is_primary", "created_at"]
    search_fields = ["domain", "tenant__display_name"]

    def get_readonly_fields(self, request, obj=None):
        return ["tenant"] if obj is not None else []

    def create_object(self, request, form):
        return super().create_object(request, form.cleaned_data["tenant"], form)


@admin.register(Membership)
class MembershipAdmin(MembershipWrites, ServiceWritesAdmin, admin.ModelAdmin):
    list_display = ["user", "tenant", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "tenant__display_name"]
    autocomplete_fields = ["user"]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "tenant"] if obj is not None else []

    def create_object(self, request, form):
        return super().create_object(request, form.cleaned_data["tenant"], form)


@admin.register(PlatformAuditEntry)
class PlatformAuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "actor_label", "action", "object_type", "object_label"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "action", "object_label"]
    readonly_fields = [field.name for field in PlatformAuditEntry._meta.fields]
