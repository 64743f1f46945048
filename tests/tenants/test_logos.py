"""Tenant logos: only PNG, JPEG and WebP, recognised by content, within size limits, stored as a clean
re-encoding, and served as what they are."""

from __future__ import annotations

import io
import re
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tenants import resolution
from tenants.logos import LogoError, logo_prepare
from tenants.models import Tenant
from tenants.services import tenant_logo_remove, tenant_logo_set

pytestmark = pytest.mark.django_db

SCRIPT = b"<script>alert(document.cookie)</script>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'
HTML = b"<!doctype html><html><body>" + SCRIPT + b"</body></html>"


def image_bytes(image_format: str, size=(40, 20), mode="RGB", colour=(200, 30, 30), **save_options) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, image_format, **save_options)
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG file whose header promises width × height pixels (a decompression bomb's header)."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + png_chunk(b"IEND", b""))


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (47.0, 29.0, 52.0), 3: "E", 4: (19.0, 2.0, 26.0)}  # GPS position
    return image_bytes("JPEG", exif=exif.tobytes())


def upload(content: bytes, name="logo.png", content_type="image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def alpha(tenant_alpha):
    return Tenant.objects.get(pk=tenant_alpha.pk)


# --- what is accepted, and what is stored --------------------------------------------------------------------


@pytest.mark.parametrize(("image_format", "mode", "extension", "content_type"), [
    ("PNG", "RGBA", "png", "image/png"),
    ("JPEG", "RGB", "jpg", "image/jpeg"),
    ("WEBP", "RGBA", "webp", "image/webp"),
])
def test_png_jpeg_and_webp_are_stored_re_encoded_under_their_own_extension_and_served_as_such(
        image_format, mode, extension, content_type, alpha, media, client_for):
    # given: the file's name and declared type say something else
    original = image_bytes(image_format, mode=mode, colour=(10, 120, 200, 128)[: len(mode)])  # see-through
    # when
    tenant_logo_set(tenant=alpha, upload=upload(original, name="logo.gif", content_type="text/html"))
    # then
    alpha.refresh_from_db()
    assert alpha.logo.name.startswith("logos/t_alpha-") and alpha.logo.name.endswith(f".{extension}")
    stored = alpha.logo.read()
    with Image.open(io.BytesIO(stored)) as image:
        assert (image.format, image.size, image.mode) == (image_format, (40, 20), mode)
        assert image.getpixel((5, 5))[3:] == (128,)[: len(mode) - 3]
    resolution.forget_local()
    served = client_for(alpha).get("/brand/logo?v=1")
    assert served.status_code == 200
    assert served["Content-Type"] == content_type
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(served.streaming_content) == stored


def test_a_png_with_a_script_after_its_end_and_in_a_text_chunk_is_stored_without_them(alpha, media):
    # given: a polyglot: a valid PNG, HTML in a tEXt chunk, and HTML after IEND
    png = image_bytes("PNG")
    with_text = png[:33] + png_chunk(b"tEXt", b"Comment\x00" + HTML) + png[33:]
    polyglot = with_text + HTML
    assert Image.open(io.BytesIO(polyglot)).size == (40, 20)
    # when
    tenant_logo_set(tenant=alpha, upload=upload(polyglot))
    # then
    stored = Tenant.objects.get(pk=alpha.pk).logo.read()
    assert b"<script" not in stored and b"tEXt" not in stored
    assert stored.endswith(png_chunk(b"IEND", b""))


def test_a_photos_exif_with_its_gps_position_is_not_kept(alpha, media):
    # given
    photo = jpeg_with_gps()
    assert Image.open(io.BytesIO(photo)).getexif()[0x010F] == "PhoneMaker"
    # when
    tenant_logo_set(tenant=alpha, upload=upload(photo, name="me.jpg"))
    # then
    stored = Tenant.objects.get(pk=alpha.pk).logo.read()
    with Image.open(io.BytesIO(stored)) as image:
        assert dict(image.getexif()) == {}
        assert "exif" not in image.info and "icc_profile" not in image.info
    assert b"PhoneMaker" not in stored


def test_an_animated_image_keeps_its_first_frame(alpha, media):
    # given
    frames = [Image.new("RGB", (16, 16), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    buffer = io.BytesIO()
    frames[0].save(buffer, "WEBP", save_all=True, append_images=frames[1:], lossless=True)
    # when
    tenant_logo_set(tenant=alpha, upload=upload(buffer.getvalue(), name="logo.webp"))
    # then
    with Image.open(io.BytesIO(Tenant.objects.get(pk=alpha.pk).logo.read())) as image:
        assert getattr(image, "n_frames", 1) == 1
        assert image.convert("RGB").getpixel((8, 8))[0] > 200


# --- what is refused (and nothing changes) -----------------------------------------------------------------------

UNREADABLE = "Upload a PNG, JPEG or WebP image."
TOO_LARGE = "The image is too large: at most 2000 × 2000 pixels."


@pytest.mark.parametrize(("content", "name", "message"), [
    (SVG, "logo.svg", UNREADABLE),
    (HTML, "logo.png", UNREADABLE),
    (image_bytes("GIF"), "logo.gif", UNREADABLE),
    (image_bytes("BMP"), "logo.png", UNREADABLE),
    (image_bytes("PNG")[:60], "truncated.png", UNREADABLE),
    (b"", "logo.png", "The file is empty."),
    (image_bytes("PNG", size=(2001, 10)), "wide.png", TOO_LARGE),
    # headers promising more pixels than the file holds: refused before decoding (decoding would fail otherwise)
    (png_claiming(5_000, 5_000), "bomb.png", TOO_LARGE),
    (png_claiming(11_000, 11_000), "bomb.png", TOO_LARGE),  # above Pillow's warning threshold
    (png_claiming(100_000, 100_000), "bomb.png", TOO_LARGE),  # above Pillow's error threshold
], ids=["svg", "html", "gif", "bmp", "truncated", "empty", "too-wide", "bomb-5k", "bomb-11k", "bomb-100k"])
def test_anything_else_is_refused_with_the_reason_and_the_old_logo_stays(content, name, message, alpha, media):
    # given: a logo already
    tenant_logo_set(tenant=alpha, upload=upload(image_bytes("PNG")))
    before = Tenant.objects.get(pk=alpha.pk).logo.name
    files_before = sorted(path.name for path in (media / "logos").iterdir())
    # when
    with pytest.raises(LogoError) as refusal:
        tenant_logo_set(tenant=alpha, upload=upload(content, name=name))
    # then
    assert refusal.value.fields == {"logo": [message]}
    assert Tenant.objects.get(pk=alpha.pk).logo.name == before
    assert sorted(path.name for path in (media / "logos").iterdir()) == files_before


def test_a_file_over_the_byte_limit_is_refused_before_it_is_decoded(settings, monkeypatch):
    # given
    settings.ALLOT_LOGO_MAX_BYTES = 1000
    noise = image_bytes("PNG", size=(100, 100), mode="L", colour=0)
    big = noise + b"\0" * (1001 - len(noise)) if len(noise) < 1001 else noise
    monkeypatch.setattr(Image, "open", lambda *args, **kwargs: pytest.fail("decoded"))
    # when / then
    with pytest.raises(LogoError) as refusal:
        logo_prepare(upload(big))
    assert refusal.value.fields == {"logo": ["The file is too large: at most 1000\xa0bytes."]}


def test_removing_the_logo(alpha, media, client_for):
    # given
    tenant_logo_set(tenant=alpha, upload=upload(image_bytes("PNG")))
    # when
    tenant_logo_remove(tenant=alpha)
    # then
    assert not Tenant.objects.get(pk=alpha.pk).logo
    resolution.forget_local()
    assert client_for(alpha).get("/brand/logo").status_code == 404


def test_a_logo_stored_before_these_checks_is_served_only_if_named_as_an_image(alpha, media, client_for):
    # given: an SVG stored by the old admin form
    (media / "logos").mkdir()
    (media / "logos" / "old.svg").write_bytes(SVG)
    Tenant.objects.filter(pk=alpha.pk).update(logo="logos/old.svg")
    resolution.forget_local()
    # when
    response = client_for(alpha).get("/brand/logo?v=1")
    # then
    assert response.status_code == 404


# --- the platform admin's form --------------------------------------------------------------------------------


def test_the_admin_refuses_an_svg_next_to_the_logo_field_and_changes_nothing(staff_client, alpha, media):
    # given
    client = staff_client()
    url = f"/admin/tenants/tenant/{alpha.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "logo"}
    data.update({"enabled_languages": ",".join(alpha.enabled_languages), "reminder_offsets_minutes": "1440,120",
                 "domains-TOTAL_FORMS": 0, "domains-INITIAL_FORMS": 0, "memberships-TOTAL_FORMS": 0,
                 "memberships-INITIAL_FORMS": 0, "display_name": "Alpha Studio Renamed"})
    # when
    response = client.post(url, {**data, "logo": upload(SVG, name="logo.svg", content_type="image/svg+xml")})
    # then
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"logo": [UNREADABLE]}
    assert Tenant.objects.get(pk=alpha.pk).display_name == "Alpha Studio"
    assert not (media / "logos").exists()

    # when: a PNG
    accepted = client.post(url, {**data, "logo": upload(image_bytes("PNG"), name="logo.png")})
    # then: saved through the service, re-encoded
    assert accepted.status_code == 302
    saved = Tenant.objects.get(pk=alpha.pk)
    assert saved.display_name == "Alpha Studio Renamed"
    assert saved.logo.name.startswith("logos/t_alpha-") and saved.logo.name.endswith(".png")


def test_a_new_logo_has_a_new_address_on_the_pages(alpha, media, client_for):
    # given
    tenant_logo_set(tenant=alpha, upload=upload(image_bytes("PNG")))
    resolution.forget_local()
    first = re.search(r'<img src="(/brand/logo\?v=[^"]+)"', client_for(alpha).get("/?lang=en").content.decode())
    # when: another logo within the same second
    tenant_logo_set(tenant=alpha, upload=upload(image_bytes("JPEG"), name="logo.jpg"))
    resolution.forget_local()
    second = re.search(r'<img src="(/brand/logo\?v=[^"]+)"', client_for(alpha).get("/?lang=en").content.decode())
    # then: browsers that keep the old one for a day ask for the new one
    assert first and second and first.group(1) != second.group(1)


def test_a_truncated_logo_is_refused_also_after_an_invoice_pdf_was_rendered_in_the_process(alpha, media):
    # given: weasyprint loaded for invoice PDFs (importing it relaxes Pillow's truncated-file check process-wide)
    from PIL import ImageFile

    from billing.invoicing.providers import _weasyprint

    _weasyprint()
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    # when / then: a truncated PNG is still refused
    with pytest.raises(LogoError):
        tenant_logo_set(tenant=alpha, upload=upload(image_bytes("PNG")[:60], name="truncated.png"))
