"""Fragments kept per process (public_site cached_include: the steps, a service's header and card, the zone
note, the site's brand and footer) change no byte of a page: every browsing page is the same as when each
fragment is rendered afresh, in every language, from an empty store and from the kept fragments; and a kept
fragment follows what it shows (another service, another language, a renamed service, the tenant's contact).
(When the includes became kept fragments, the pages were also compared with the templates before the change.)"""

from __future__ import annotations

import pytest
from django.db import connection

from booking_core.models import Service
from public_site.templatetags import public_site as tags
from tests.public_site.conftest import start_parameter

pytestmark = pytest.mark.django_db

@pytest.fixture
def kept(monkeypatch):
    """Fragments kept as outside a transaction, in an empty store."""
    monkeypatch.setattr(tags, "fragments_cache_enabled", lambda: True)
    tags.forget_fragments()
    yield
    tags.forget_fragments()


def _rendered_afresh(monkeypatch):
    """Every cached_include rendered as a plain include, nothing kept."""
    monkeypatch.setattr(tags, "fragments_cache_enabled", lambda: False)


def _pages(site, tenant) -> list[str]:
    day = site.start.astimezone(tenant.zone).date()
    return [
        "/", "/s/massage/", f"/s/massage/day/{day.isoformat()}/", f"/s/massage/?month={day.strftime('%Y-%m')}",
        f"/s/massage/who/?start={start_parameter(site.start)}", "/s/swimming/",
        f"/s/swimming/sessions/{site.open_session.pk}/", "/no-such-page/",
    ]


@pytest.mark.parametrize("language", ["en", "hu", "de"])
def test_pages_are_byte_identical_to_fragments_rendered_afresh(client_for, tenant_alpha, site, kept, language,
                                                               monkeypatch):
    # given
    client = client_for(tenant_alpha)
    paths = [f"{path}{'&' if '?' in path else '?'}lang={language}" for path in _pages(site, tenant_alpha)]
    with monkeypatch.context() as afresh:
        _rendered_afresh(afresh)
        before = {path: client.get(path) for path in paths}
    assert tags._fragments == {}  # rendered afresh, nothing kept
    # when: rendered with an empty store, then from the kept fragments
    first = {path: client.get(path) for path in paths}
    again = {path: client.get(path) for path in paths}
    # then
    assert [before[path].status_code for path in paths] == [200, 200, 200, 200, 200, 200, 200, 404]
    for path in paths:
        assert first[path].content.decode() == before[path].content.decode(), path
        assert again[path].content.decode() == before[path].content.decode(), path
    assert len(tags._fragments) > 0


def test_a_kept_fragment_follows_what_it_shows(client_for, tenant_alpha, site, kept, in_tenant):
    # given
    client = client_for(tenant_alpha)
    assert "<h1>Massage</h1>" in client.get("/s/massage/?lang=en").content.decode()
    assert "<h1>Masszázs</h1>" in client.get("/s/massage/?lang=hu").content.decode()
    # when: renamed by a bulk update (no updated_at moves), and the tenant's contact changed
    with in_tenant(tenant_alpha):
        Service.objects.filter(pk=site.massage.pk).update(name_en="Deep massage")
    tenant_alpha.contact_email = "desk@alpha.example"
    tenant_alpha.save(update_fields=["contact_email"])
    connection.set_schema_to_public()
    html = client.get("/s/massage/?lang=en").content.decode()
    # then
    assert "<h1>Deep massage</h1>" in html
    assert 'href="mailto:desk@alpha.example"' in html
    assert "<h1>Swimming</h1>" in client.get("/s/swimming/?lang=en").content.decode()
