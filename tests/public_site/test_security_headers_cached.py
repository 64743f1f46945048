"""A page served from the page cache is allowed its brand style like a freshly rendered one: the policy's hash
comes from the tenant, not from rendering (a nonce would be stale in a cached page)."""

from __future__ import annotations

from public_site import page_cache
from tests.public_site.test_security_headers import assert_strict_page, policy


def test_pages_from_the_page_cache_get_the_same_style_hash(committed_db, client_for, tenant_alpha):
    # given: the home page rendered once and kept (only committed data is cached: committed_db)
    page_cache.forget_local_pages()
    client = client_for(tenant_alpha)
    rendered = client.get("/?lang=en")
    assert page_cache._entries, "the page was kept"
    # when: the same page again, from the cache (no template rendered)
    cached = client.get("/?lang=en")
    # then
    assert cached.content == rendered.content
    assert policy(cached)["style-src"] == policy(rendered)["style-src"]
    assert_strict_page(cached)
    page_cache.forget_local_pages()
