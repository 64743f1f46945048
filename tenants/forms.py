"""Form fields shared by the pages that edit an organisation (the platform admin, the back office)."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from tenants.logos import ACCEPT, LogoError, logo_prepare


class LogoField(forms.FileField):
    """A logo upload, checked as tenants.services.tenant_logo_set will check it, so that a refusal shows
    next to the field. Cleans to the upload, False (cleared) or the current file."""

    widget = forms.ClearableFileInput(attrs={"accept": ACCEPT})
    default_help_text = _("A PNG, JPEG or WebP image. It is stored as a fresh copy of its pixels.")

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", self.default_help_text)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        value = super().clean(data, initial)
        if isinstance(value, UploadedFile):
            try:
                logo_prepare(value)
            except LogoError as error:
                raise forms.ValidationError(error.message, code=error.code) from error
        return value
