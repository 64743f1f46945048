"""The back office's settings: profile, zone and languages, branding (contrast check, preview, logo), booking
rules and reminders, and this organisation's job runs. Managers only; refusals next to their fields with
nothing changed; every change audited with the member."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from allot.jobs.models import JobRun
from tenants.models import PlatformAuditEntry, Tenant
from tests.backoffice.clock import at

pytestmark = pytest.mark.django_db


def fresh(tenant) -> Tenant:
    return Tenant.objects.get(pk=tenant.pk)


def png(width=40, height=20) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")


PAGES = ["/office/settings/", "/office/settings/jobs/", "/office/settings/jobs/?failed=1"]


@pytest.mark.parametrize("path", PAGES)
def test_settings_pages_render_for_an_owner_and_are_refused_to_staff(owner, member_client, tenant_alpha, path):
    assert owner.get(path).status_code == 200
    assert member_client(tenant_alpha, "alpha_staff").get(path).status_code == 403


def test_staff_cannot_change_settings(member_client, tenant_alpha):
    staff = member_client(tenant_alpha, "alpha_staff")
    assert staff.post("/office/settings/profile/", {"display_name": "Hacked"}).status_code == 403
    assert fresh(tenant_alpha).display_name == "Alpha Studio"


def test_the_profile_is_saved_and_audited_with_the_member(owner, tenant_alpha):
    response = owner.post("/office/settings/profile/", {"display_name": "Alpha Yoga Studio",
                                                        "contact_email": "hello@alpha.example", "contact_phone": ""})
    assert response.status_code == 302 and response["Location"] == "/office/settings/#profile"
    tenant = fresh(tenant_alpha)
    assert (tenant.display_name, tenant.contact_email) == ("Alpha Yoga Studio", "hello@alpha.example")
    entry = PlatformAuditEntry.objects.filter(tenant_id=tenant.pk, action="tenant.updated").latest("id")
    assert entry.actor_label == "alpha_owner@example.com"
    assert set(entry.changes) == {"display_name", "contact_email"}


def test_zone_and_languages_are_checked_next_to_their_fields(owner, tenant_alpha):
    refused = owner.post("/office/settings/region/", {"timezone": "Mars/Olympus", "enabled_languages": ["hu"],
                                                      "default_language": "en"})
    assert refused.status_code == 400
    assert {"timezone", "default_language"} <= set(refused.context["forms"]["region"].errors)
    assert "field--error" in refused.content.decode()
    assert (fresh(tenant_alpha).timezone, fresh(tenant_alpha).enabled_languages) == (
        tenant_alpha.timezone, tenant_alpha.enabled_languages)
    no_language = owner.post("/office/settings/region/", {"timezone": "Europe/Vienna", "default_language": "en"})
    assert no_language.status_code == 400 and "enabled_languages" in no_language.context["forms"]["region"].errors
    saved = owner.post("/office/settings/region/", {"timezone": "Europe/Vienna", "enabled_languages": ["hu", "de"],
                                                    "default_language": "hu"})
    assert saved.status_code == 302
    tenant = fresh(tenant_alpha)
    assert (tenant.timezone, tenant.enabled_languages, tenant.default_language) == ("Europe/Vienna", ["hu", "de"],
                                                                                  "hu")


def test_branding_preview_shows_the_contrast_and_saves_nothing(owner, tenant_alpha):
    # a light yellow gets black text, which passes AA
    preview = owner.post("/office/settings/branding/", {"primary_colour": "#FFE600", "button_style": "pill",
                                                        "preview": "1"})
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "Preview (not saved yet)" in html and "black text" in html
    assert preview.context["preview"]["passes"] and preview.context["preview"]["colour"] == "#ffe600"
    assert "--brand:#ffe600" in html and "--button-radius:999px" in html
    # the preview's style is allowed by the page's CSP by its hash
    assert preview.context["preview"]["css"] and "'sha256-" in preview["Content-Security-Policy"]
    assert fresh(tenant_alpha).primary_colour == tenant_alpha.primary_colour
    # and saving it stores the colour (lower case) and the style
    assert owner.post("/office/settings/branding/", {"primary_colour": "#FFE600",
                                                     "button_style": "pill"}).status_code == 302
    tenant = fresh(tenant_alpha)
    assert (tenant.primary_colour, tenant.button_style) == ("#ffe600", "pill")


def test_a_bad_colour_is_refused_next_to_the_field(owner, tenant_alpha):
    response = owner.post("/office/settings/branding/", {"primary_colour": "red", "button_style": "round"})
    assert response.status_code == 400
    assert {"primary_colour", "button_style"} <= set(response.context["forms"]["branding"].errors)
    assert fresh(tenant_alpha).primary_colour == tenant_alpha.primary_colour


def test_a_logo_is_uploaded_checked_and_removed(owner, tenant_alpha, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    not_an_image = SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>", content_type="image/png")
    refused = owner.post("/office/settings/logo/", {"logo": not_an_image})
    assert refused.status_code == 400 and "logo" in refused.context["forms"]["logo"].errors
    assert not fresh(tenant_alpha).logo
    assert owner.post("/office/settings/logo/", {"logo": png()}).status_code == 302
    stored = fresh(tenant_alpha).logo.name
    assert stored.startswith(f"logos/{tenant_alpha.schema_name}-") and stored.endswith(".png")
    assert 'src="/brand/logo"' in owner.get("/office/settings/").content.decode()
    assert owner.post("/office/settings/logo/", {"remove": "1"}).status_code == 302
    assert not fresh(tenant_alpha).logo
    actions = list(PlatformAuditEntry.objects.filter(tenant_id=tenant_alpha.pk, action="tenant.logo_changed")
                   .values_list("actor_label", flat=True))
    assert actions == ["alpha_owner@example.com", "alpha_owner@example.com"]


def test_booking_rules_and_reminders(owner, tenant_alpha):
    response = owner.post("/office/settings/rules/", {
        "waitlist_auto_send_enabled": "on", "reminder_offsets_minutes": "120, 1440; 30",
        "attendance_request_offset_minutes": 2880})
    assert response.status_code == 302
    tenant = fresh(tenant_alpha)
    assert (tenant.self_service_enabled, tenant.waitlist_auto_send_enabled, tenant.attendance_request_enabled) == (
        False, True, False)
    assert tenant.reminder_offsets_minutes == [1440, 120, 30]
    refused = owner.post("/office/settings/rules/", {"reminder_offsets_minutes": "a day",
                                                     "attendance_request_offset_minutes": 5})
    assert refused.status_code == 400
    assert {"reminder_offsets_minutes", "attendance_request_offset_minutes"} <= set(
        refused.context["forms"]["rules"].errors)
    assert fresh(tenant_alpha).reminder_offsets_minutes == [1440, 120, 30]
    assert owner.post("/office/settings/nonsense/", {}).status_code == 404


def test_job_runs_are_this_organisations_only_with_their_items_and_errors(owner, tenant_alpha, tenant_beta):
    JobRun.objects.create(job_name="reminders", tenant_schema=tenant_alpha.schema_name, started_at=at(10, 8),
                          finished_at=at(10, 8, 1), status="succeeded", items_processed=7)
    JobRun.objects.create(job_name="offers_expire", tenant_schema=tenant_alpha.schema_name, started_at=at(10, 8, 5),
                          finished_at=at(10, 8, 6), status="failed", error="ValueError: boom")
    JobRun.objects.create(job_name="beta_secret_job", tenant_schema=tenant_beta.schema_name, started_at=at(10, 8))
    JobRun.objects.create(job_name="platform_wide_job", tenant_schema="", started_at=at(10, 8))
    html = owner.get("/office/settings/jobs/").content.decode()
    assert "reminders" in html and "offers_expire" in html and "ValueError: boom" in html and ">7<" in html
    assert "beta_secret_job" not in html and "platform_wide_job" not in html
    failed = owner.get("/office/settings/jobs/?failed=1").content.decode()
    assert "offers_expire" in failed and "reminders" not in failed
