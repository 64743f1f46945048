"""Platform staff manage organisations from the root domain's admin."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model

from allot.errors import ApplicationError
from tenants.forms import LogoField
from tenants.models import LANGUAGE_CHOICES, Domain, Membership, Tenant
from tenants.services import tenant_create, tenant_logo_remove, tenant_logo_set, tenant_set_status


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


class MembershipInline(admin.TabularInline):
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
class TenantAdmin(admin.ModelAdmin):
    list_display = ["display_name", "slug", "schema_name", "status", "timezone", "default_language", "created_at"]
    list_filter = ["status", "default_language"]
    search_fields = ["display_name", "slug", "schema_name"]
    readonly_fields = ["schema_name", "created_at", "updated_at"]
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

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            if "logo" in form.changed_data:
                logo = form.cleaned_data["logo"]
                if logo is False:
                    tenant_logo_remove(tenant=obj)
                elif logo:
                    tenant_logo_set(tenant=obj, upload=logo)
            return None
        try:
            created = tenant_create(
                slug=form.cleaned_data["slug"],
                display_name=form.cleaned_data["display_name"],
                owner=form.owner,
                timezone=form.cleaned_data["timezone"],
                default_language=form.cleaned_data["default_language"],
                enabled_languages=[code for code, _label in LANGUAGE_CHOICES],
            )
        except ApplicationError as error:
            self.message_user(request, f"{error.message} {error.fields}", level=messages.ERROR)
            raise
        obj.pk = created.pk

    @admin.action(description="Suspend the selected organisations")
    def suspend(self, request, queryset):
        for tenant in queryset:
            tenant_set_status(tenant=tenant, status=Tenant.Status.SUSPENDED)

    @admin.action(description="Reactivate the selected organisations")
    def reactivate(self, request, queryset):
        for tenant in queryset:
            tenant_set_status(tenant=tenant, status=Tenant.Status.ACTIVE)


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["domain", "tenant", "is_primary", "created_at"]
    search_fields = ["domain", "tenant__display_name"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "tenant", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "tenant__display_name"]
    autocomplete_fields = ["user"]
