"""The static files' storage in production: whitenoise's compressed manifest storage, with each file's
address worked out once per process.

`{% static %}` asks the manifest storage for an address on every page (three per booking page): each ask
splits, unquotes and looks the name up afresh, which was a tenth of an uncached calendar page's template
work. The manifest does not change while a process runs, except during collectstatic's own post-processing,
which forgets what was remembered.
"""

from __future__ import annotations

import threading

from whitenoise.storage import CompressedManifestStaticFilesStorage


class RememberingManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._remembered_urls: dict[str, str] = {}
        self._remembered_lock = threading.Lock()

    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        try:
            return self._remembered_urls[name]
        except KeyError:
            pass
        address = super().url(name)
        with self._remembered_lock:
            self._remembered_urls[name] = address
        return address

    def post_process(self, *args, **kwargs):
        self._remembered_urls = {}
        try:
            yield from super().post_process(*args, **kwargs)
        finally:
            self._remembered_urls = {}
