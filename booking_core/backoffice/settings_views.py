"""The back office's settings pages (managers only): the organisation's profile, zone and languages, its
branding (colour with a contrast check and a preview, logo, buttons), booking rules and reminders, and the
runs of its scheduled jobs.

Forms check the input; tenants.services decides, saves and audits with the member as the actor. A refusal is
shown next to its field and nothing is changed; the page answers 400 then."""

from __future__ import annotations

import base64
import hashlib
from types import SimpleNamespace

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from allot.errors import ApplicationError
from allot.jobs.selectors import job_runs_for_tenant
from booking_core.backoffice.access import MANAGERS, office_page
from booking_core.backoffice.catalogue_views import refusal_on_form
from booking_core.backoffice.settings_forms import BookingRulesForm, BrandingForm, LogoForm, ProfileForm, RegionForm
from public_site.branding import AA_NORMAL_TEXT, BLACK, WHITE, brand_for, contrast_ratio, style_sources
from tenants import services as tenant_services

SECTIONS = {"profile": ProfileForm, "region": RegionForm, "branding": BrandingForm, "rules": BookingRulesForm}
JOB_RUNS_PAGE = 50


def _preview(request, colour: str, style: str) -> dict:
    """The booking site's colours for `colour` and their contrast, and a style rule that paints the preview
    (its hash is allowed by the page's Content-Security-Policy like the brand's own style)."""
    brand = brand_for(SimpleNamespace(primary_colour=colour, button_style=style))
    css = format_html(
        ".brand-preview{{--brand:{};--on-brand:{};--brand-hover:{};--on-brand-hover:{};--brand-ink:{};"
        "--brand-tint:{};--button-radius:{}}}",
        brand.primary, brand.on_primary, brand.primary_hover, brand.on_primary_hover, brand.ink, brand.tint,
        brand.button_radius)
    style_sources(request).add(f"'sha256-{base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()}'")
    on_white, on_black = contrast_ratio(colour, WHITE), contrast_ratio(colour, BLACK)
    text_ratio = contrast_ratio(brand.primary, brand.on_primary)
    return {
        "css": css, "brand": brand, "colour": colour,
        "text_is_white": brand.on_primary == WHITE, "text_ratio": round(text_ratio, 2),
        "on_white": round(on_white, 2), "on_black": round(on_black, 2), "minimum": AA_NORMAL_TEXT,
        "passes": text_ratio >= AA_NORMAL_TEXT, "ink_adjusted": brand.ink != brand.primary,
    }


def _settings_page(request, *, forms=None, preview=None, invalid=False):
    tenant = request.tenant
    forms = {name: (forms or {}).get(name) or form_class(tenant=tenant) for name, form_class in SECTIONS.items()}
    forms["logo"] = (preview or {}).get("logo_form") or LogoForm()
    branding = forms["branding"]
    colour, style = tenant.primary_colour, tenant.button_style
    if branding.is_bound and branding.is_valid():
        colour, style = branding.cleaned_data["primary_colour"], branding.cleaned_data["button_style"]
    return render(request, "backoffice/settings/settings.html", {
        "tenant": tenant, "nav": "settings", "forms": forms,
        "preview": _preview(request, colour, style), "previewing": bool(preview and preview.get("unsaved")),
    }, status=400 if invalid else 200)


@office_page(roles=MANAGERS)
@require_GET
def settings_page(request):
    return _settings_page(request)


@office_page(roles=MANAGERS)
@require_POST
def settings_save(request, section: str):
    form_class = SECTIONS.get(section)
    if form_class is None:
        raise Http404("No such settings.")
    form = form_class(request.POST, tenant=request.tenant)
    if not form.is_valid():
        return _settings_page(request, forms={section: form}, invalid=True)
    if section == "branding" and request.POST.get("preview"):
        return _settings_page(request, forms={section: form}, preview={"unsaved": True})
    changes = form.changes()
    if changes:
        try:
            tenant_services.tenant_update(tenant=request.tenant, actor=request.user, **changes)
        except ApplicationError as error:
            refusal_on_form(form, error)
            return _settings_page(request, forms={section: form}, invalid=True)
    messages.success(request, _("Saved.") if changes else _("Nothing changed."))
    return redirect(reverse("office-settings") + f"#{section}")


@office_page(roles=MANAGERS)
@require_POST
def settings_logo(request):
    if request.POST.get("remove"):
        tenant_services.tenant_logo_remove(tenant=request.tenant, actor=request.user)
        messages.success(request, _("The logo was removed."))
        return redirect("office-settings")
    form = LogoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            tenant_services.tenant_logo_set(tenant=request.tenant, upload=form.cleaned_data["logo"],
                                            actor=request.user)
        except ApplicationError as error:
            refusal_on_form(form, error)
        else:
            messages.success(request, _("The new logo is on the booking site."))
            return redirect("office-settings")
    return _settings_page(request, preview={"logo_form": form}, invalid=True)


@office_page(roles=MANAGERS)
@require_GET
def job_runs_page(request):
    failed_only = request.GET.get("failed") == "1"
    runs = job_runs_for_tenant(schema_name=request.tenant.schema_name, failed_only=failed_only)
    page = Paginator(runs, JOB_RUNS_PAGE).get_page(request.GET.get("page"))
    return render(request, "backoffice/settings/job_runs.html", {
        "tenant": request.tenant, "nav": "settings", "page": page, "failed_only": failed_only,
    })
