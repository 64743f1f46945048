"""An organisation's logo: a PNG, JPEG or WebP image, recognised by its content, within size limits, and
stored as a fresh encoding of its pixels only.

The logo is served from the tenant's own host (/brand/logo), where an SVG or HTML file would run its script
in the tenant's origin, and where whatever else an upload carries (HTML after a PNG's end, a phone's GPS
position in EXIF) would go out to every visitor. So the file name and the browser's content type are
ignored; Pillow decodes the content, knowing only these three formats; the byte size and the pixel
dimensions are refused before any pixel is decoded (a decompression bomb is a few kilobytes that decode to
gigabytes); and the image is re-encoded from its pixels alone: no metadata, nothing after the image, one
frame. The services that store it are in tenants.services.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from allot.errors import ApplicationError

# Pillow's format name -> the stored file's extension and the Content-Type it is served with.
FORMATS = {"PNG": ("png", "image/png"), "JPEG": ("jpg", "image/jpeg"), "WEBP": ("webp", "image/webp")}
CONTENT_TYPES = {extension: content_type for extension, content_type in FORMATS.values()}
ACCEPT = ",".join(CONTENT_TYPES.values())
JPEG_QUALITY = 90
WEBP_QUALITY = 90


class LogoError(ApplicationError):
    """The upload is not a logo this platform serves; the message says why (for the `logo` field)."""

    def __init__(self, message):
        super().__init__(message, fields={"logo": [message]}, code="invalid_logo")


@dataclass(frozen=True)
class PreparedLogo:
    content: bytes
    extension: str
    width: int
    height: int

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.extension]


def content_type_for(name: str) -> str | None:
    """The Content-Type of a stored logo, by the extension the preparation gave it (None: not one of ours)."""
    return CONTENT_TYPES.get(name.rpartition(".")[2].lower()) if "." in name else None


def _unreadable() -> LogoError:
    return LogoError(_("Upload a PNG, JPEG or WebP image."))


def _too_large_in_pixels(limit: int) -> LogoError:
    return LogoError(_("The image is too large: at most %(limit)s × %(limit)s pixels.") % {"limit": limit})


def logo_prepare(upload) -> PreparedLogo:
    """Check an uploaded file and re-encode it; raises LogoError with the reason when it is refused."""
    max_bytes = settings.ALLOT_LOGO_MAX_BYTES
    max_side = settings.ALLOT_LOGO_MAX_SIDE_PIXELS
    too_large = LogoError(_("The file is too large: at most %(size)s.") % {"size": filesizeformat(max_bytes)})
    if (getattr(upload, "size", None) or 0) > max_bytes:
        raise too_large
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    upload.seek(0)
    if len(data) > max_bytes:
        raise too_large
    if not data:
        raise LogoError(_("The file is empty."))
    try:
        with warnings.catch_warnings():
            # Pillow warns (and above twice its limit refuses) when the header promises a huge image.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
                if image.width > max_side or image.height > max_side:
                    raise _too_large_in_pixels(max_side)
                image_format = image.format
                image.load()  # the first frame only, as it is shown
                pixels = _pixels_only(ImageOps.exif_transpose(image), alpha=image_format != "JPEG")
    except LogoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _too_large_in_pixels(max_side) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise _unreadable() from error
    return PreparedLogo(content=_encode(pixels, image_format), extension=FORMATS[image_format][0],
                        width=pixels.width, height=pixels.height)


def _pixels_only(image: Image.Image, *, alpha: bool) -> Image.Image:
    """A new image from the pixel values alone: no palette, profile, EXIF, text chunks or other metadata."""
    has_alpha = alpha and (image.mode in ("RGBA", "LA", "PA", "RGBa", "La")
                           or (image.mode == "P" and "transparency" in image.info))
    mode = "RGBA" if has_alpha else "RGB"
    converted = image.convert(mode)
    return Image.frombytes(mode, converted.size, converted.tobytes())


def _encode(image: Image.Image, image_format: str) -> bytes:
    buffer = io.BytesIO()
    if image_format == "PNG":
        image.save(buffer, "PNG", optimize=True)
    elif image_format == "JPEG":
        image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        image.save(buffer, "WEBP", quality=WEBP_QUALITY)
    return buffer.getvalue()
