"""A tenant's look as CSS custom properties: its primary colour, the text colours that stay readable on
and next to it (WCAG 2.x AA, 4.5:1 for normal text), and its button shape.

The brand colour as text ("ink": links, headings, secondary buttons, calendar days) sits on white cards, on
the grey page and on the brand's own light tint (calendar days, a secondary button's hover), so it is made
readable on the darkest of them, and is then readable on all three.

site.css uses only these variables for brand colours and corner radii, so every page and every button
follows them.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from dataclasses import dataclass

from django.utils.html import format_html

AA_NORMAL_TEXT = 4.5
WHITE = "#ffffff"
BLACK = "#000000"
PAGE_BACKGROUND = "#f5f6f8"  # site.css --page
DEFAULT_PRIMARY = "#2457d6"
BUTTON_RADII = {"rounded": "0.5rem", "square": "0", "pill": "999px"}


def _channels(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    if len(value) != 6:
        raise ValueError(f"not a #RRGGBB colour: {colour!r}")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _hex(red: int, green: int, blue: int) -> str:
    return f"#{red:02x}{green:02x}{blue:02x}"


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour (0 black … 1 white)."""

    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in _channels(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio between two colours (1 … 21)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_colour_on(background: str) -> str:
    """White or black, whichever contrasts more with `background`.

    One of the two always reaches at least sqrt(21) ≈ 4.58:1, so text on any primary colour passes AA.
    """
    return WHITE if contrast_ratio(WHITE, background) >= contrast_ratio(BLACK, background) else BLACK


def readable_on(colour: str, background: str = PAGE_BACKGROUND, minimum: float = AA_NORMAL_TEXT) -> str:
    """`colour`, darkened (or lightened on a dark background) just enough to be readable as text on
    `background`: for links and headings in the tenant's colour on the page."""
    if contrast_ratio(colour, background) >= minimum:
        return colour
    target = (0, 0, 0) if relative_luminance(background) > 0.5 else (255, 255, 255)
    red, green, blue = _channels(colour)
    for step in range(1, 21):
        share = step / 20
        mixed = _hex(*(round(channel + (goal - channel) * share) for channel, goal in zip((red, green, blue), target,
                                                                                          strict=True)))
        if contrast_ratio(mixed, background) >= minimum:
            return mixed
    return _hex(*target)


def _mix(colour: str, other: str, share: float) -> str:
    return _hex(*(round(a + (b - a) * share) for a, b in zip(_channels(colour), _channels(other), strict=True)))


def darkest(*colours: str) -> str:
    return min(colours, key=relative_luminance)


@dataclass(frozen=True)
class Brand:
    primary: str
    on_primary: str
    primary_hover: str
    on_primary_hover: str
    ink: str
    tint: str
    button_radius: str

    def css(self) -> str:
        """The `:root` rule that site.css reads."""
        return format_html(
            ":root{{--brand:{};--on-brand:{};--brand-hover:{};--on-brand-hover:{};--brand-ink:{};"
            "--brand-tint:{};--button-radius:{}}}",
            self.primary, self.on_primary, self.primary_hover, self.on_primary_hover, self.ink, self.tint,
            self.button_radius,
        )

    @functools.cached_property
    def style_source(self) -> str:
        """The Content-Security-Policy source that allows exactly `<style>{css}</style>`."""
        digest = hashlib.sha256(self.css().encode()).digest()
        return f"'sha256-{base64.b64encode(digest).decode()}'"


def style_sources(request) -> set[str]:
    """The CSP sources of the brand styles rendered into this request's page (see allot.security_headers)."""
    return request.__dict__.setdefault("_allot_brand_style_sources", set())


def brand_for(tenant) -> Brand:
    """The tenant's brand (Allot's own on the root domain and when no tenant is known)."""
    return _brand(getattr(tenant, "primary_colour", None) or DEFAULT_PRIMARY,
                  getattr(tenant, "button_style", None) or "rounded")


@functools.lru_cache(maxsize=1024)
def _brand(primary: str, style: str) -> Brand:
    try:
        _channels(primary)
    except ValueError:
        primary = DEFAULT_PRIMARY
    primary = primary.lower()
    on_primary = text_colour_on(primary)
    # Hover darkens light text's background and lightens dark text's, so the pair keeps its contrast direction.
    hover = _mix(primary, BLACK if on_primary == WHITE else WHITE, 0.15)
    tint = _mix(primary, WHITE, 0.9)
    return Brand(
        primary=primary, on_primary=on_primary, primary_hover=hover, on_primary_hover=text_colour_on(hover),
        ink=readable_on(primary, darkest(tint, PAGE_BACKGROUND, WHITE)), tint=tint,
        button_radius=BUTTON_RADII.get(style, BUTTON_RADII["rounded"]),
    )
