"""Where data exports are kept: a directory of their own (ALLOT_PRIVATE_STORAGE_DIR), not MEDIA_ROOT, so no
web server or `/media/` route ever hands them out; only the owners' download page does."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage


def private_storage() -> FileSystemStorage:
    # base_url=None: a private file has no public address.
    return FileSystemStorage(location=settings.ALLOT_PRIVATE_STORAGE_DIR, base_url=None)
