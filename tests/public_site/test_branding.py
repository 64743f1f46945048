"""One visual identity: the tenant's colour, logo and button style on every page, with text colours that
keep WCAG AA contrast whatever the colour."""

import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from public_site.branding import AA_NORMAL_TEXT, brand_for, contrast_ratio, readable_on, text_colour_on
from tenants import resolution
from tenants.models import Tenant

CSS = Path(__file__).resolve().parents[2] / "public_site" / "static" / "public_site" / "site.css"
PAGE = "#f5f6f8"
colours = st.integers(min_value=0, max_value=0xFFFFFF).map(lambda value: f"#{value:06x}")


class FakeTenant:
    def __init__(self, primary_colour="#2457d6", button_style="rounded"):
        self.primary_colour, self.button_style = primary_colour, button_style


def test_contrast_ratio_matches_the_wcag_reference_values():
    assert contrast_ratio("#ffffff", "#000000") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio("#2457d6", "#ffffff") == pytest.approx(contrast_ratio("#ffffff", "#2457d6"))


@pytest.mark.parametrize(("primary", "text"), [("#2457d6", "#ffffff"), ("#ffd400", "#000000"),
                                               ("#000000", "#ffffff"), ("#ffffff", "#000000"),
                                               ("#e91e63", "#000000"), ("#1b5e20", "#ffffff")])
def test_the_text_colour_on_the_primary_colour_is_the_more_readable_one(primary, text):
    assert text_colour_on(primary) == text


@given(colours)
def test_text_on_any_primary_colour_and_its_hover_keeps_aa_contrast(primary):
    brand = brand_for(FakeTenant(primary))
    assert contrast_ratio(brand.on_primary, brand.primary) >= AA_NORMAL_TEXT
    assert contrast_ratio(brand.on_primary_hover, brand.primary_hover) >= AA_NORMAL_TEXT


@hypothesis_settings(max_examples=1000)
@given(colours)
def test_the_primary_colour_as_text_keeps_aa_contrast_on_every_surface_it_sits_on(primary):
    # given: the surfaces of site.css the brand's ink is written on
    brand = brand_for(FakeTenant(primary))
    surfaces = {"card": "#ffffff", "page": PAGE, "tint": brand.tint}
    # then
    ratios = {name: contrast_ratio(brand.ink, surface) for name, surface in surfaces.items()}
    assert {name: ratio >= AA_NORMAL_TEXT for name, ratio in ratios.items()} == dict.fromkeys(surfaces, True), ratios


@pytest.mark.parametrize("primary", ["#1976d2", "#e91e63", "#009688", "#ff9800", "#ffd400", "#8bc34a"])
def test_common_brand_colours_are_darkened_just_enough_for_their_own_tint(primary):
    # given: #1976d2 (Material blue) is 4.60:1 on white, but only 4.03:1 on its tint
    brand = brand_for(FakeTenant(primary))
    # then
    assert contrast_ratio(brand.ink, brand.tint) >= AA_NORMAL_TEXT
    assert contrast_ratio(brand.ink, brand.tint) < AA_NORMAL_TEXT + 1


def test_the_page_colour_is_the_one_of_the_stylesheet():
    assert f"--page: {PAGE};" in CSS.read_text()


@given(colours)
def test_the_primary_colour_made_readable_on_the_page_keeps_aa_contrast_there(primary):
    assert contrast_ratio(readable_on(primary), PAGE) >= AA_NORMAL_TEXT


def test_a_readable_primary_colour_is_used_as_it_is():
    assert readable_on("#2457d6") == "#2457d6"
    assert readable_on("#ffd400") != "#ffd400"


@pytest.mark.parametrize(("style", "radius"), [("rounded", "0.5rem"), ("square", "0"), ("pill", "999px")])
def test_the_button_style_becomes_the_button_radius(style, radius):
    assert f"--button-radius:{radius}" in brand_for(FakeTenant(button_style=style)).css()


def test_every_button_and_brand_colour_in_the_stylesheet_comes_from_the_variables():
    css = CSS.read_text()
    rules = re.findall(r"([^{}]+)\{([^{}]*)\}", css)
    button_rules = [body for selector, body in rules if re.search(r"(^|[\s,])(\.button|button)", selector)]
    assert button_rules
    radii = [value.strip() for body in button_rules for value in re.findall(r"border-radius:\s*([^;]+)", body)]
    assert radii and set(radii) == {"var(--button-radius)"}
    # the brand's colour never appears as a literal outside the :root defaults
    body_without_root = css.split("}", 1)[1]
    assert "#2457d6" not in body_without_root


@pytest.mark.django_db
def test_pages_carry_the_tenants_colours_button_style_and_logo(client_for, tenant_alpha, tmp_path, settings):
    # given
    settings.MEDIA_ROOT = tmp_path
    tenant = Tenant.objects.get(pk=tenant_alpha.pk)
    tenant.primary_colour, tenant.button_style = "#ffd400", "pill"
    tenant.logo.save("alpha.png", ContentFile(b"\x89PNG\r\n\x1a\n"), save=False)
    tenant.save()
    resolution.forget_local()
    client = client_for(tenant_alpha)
    for path in ("/?lang=en", "/no-such-page/?lang=en"):
        # when
        html = client.get(path).content.decode()
        # then
        assert "--brand:#ffd400;--on-brand:#000000;" in html, path
        assert "--button-radius:999px" in html, path
        assert '<img src="/brand/logo?v=' in html, path
        assert '<link rel="stylesheet" href="/static/public_site/site.css">' in html, path
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html, path


@pytest.mark.django_db
def test_the_logo_is_served_by_the_app_with_a_long_cache_and_only_the_tenants_own(client_for, tenant_alpha,
                                                                                   tenant_beta, tmp_path, settings):
    # given: alpha has a logo, beta has none (deployments serve no /media/ of their own)
    settings.MEDIA_ROOT = tmp_path
    tenant = Tenant.objects.get(pk=tenant_alpha.pk)
    tenant.logo.save("alpha.png", ContentFile(b"\x89PNG\r\n\x1a\nalpha"), save=False)
    tenant.save()
    resolution.forget_local()
    # when
    logo = client_for(tenant_alpha).get("/brand/logo?v=1")
    # then
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"
    assert b"".join(logo.streaming_content).endswith(b"alpha")
    assert logo["Cache-Control"] == "public, max-age=86400"
    assert client_for(tenant_beta).get("/brand/logo").status_code == 404
    assert client_for(None).get("/brand/logo").status_code == 404
