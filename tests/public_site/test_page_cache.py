"""The page cache keeps browsing pages by what they show: the path, the language and the query parameters
the view reads. Made-up addresses are not kept (so they cannot crowd out the pages everyone looks at),
expired pages make room, and a page with someone's personal details is never kept."""

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils.cache import patch_cache_control

from public_site import page_cache
from public_site.page_cache import cached_page, forget_local_pages
from tests.conftest import host_of, real_queries
from tests.public_site.conftest import build_site

pytestmark = pytest.mark.slow  # the cache is bypassed inside a test transaction: committed data


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(page_cache, "_clock", clock)
    return clock


@pytest.fixture
def on_alpha(committed_db, tenant_alpha, in_tenant):
    """Requests to a stand-in view on alpha's host, outside any transaction, with an empty cache."""
    forget_local_pages()
    with in_tenant(tenant_alpha):
        yield tenant_alpha
    forget_local_pages()


class Page:
    """A stand-in browsing view that counts how often it renders."""

    def __init__(self, *, private: bool = False):
        self.rendered: list[str] = []
        self.private = private

    def __call__(self, request):
        self.rendered.append(request.get_full_path())
        response = HttpResponse(f"page {len(self.rendered)}")
        if self.private:
            patch_cache_control(response, private=True, no_store=True)
        return response


def get(view, tenant, path: str) -> HttpResponse:
    request = RequestFactory().get(path)
    request.tenant = tenant
    return view(request)


def test_the_key_is_the_parameters_the_view_reads_in_whatever_order(on_alpha):
    # given
    page = Page()
    view = cached_page(query=("month", "staff"))(page)
    # when
    get(view, on_alpha, "/s/massage/?month=2026-12&staff=3&lang=en")
    get(view, on_alpha, "/s/massage/?staff=3&lang=en&month=2026-12")
    get(view, on_alpha, "/s/massage/?month=2027-01&staff=3&lang=en")
    # then
    assert page.rendered == ["/s/massage/?month=2026-12&staff=3&lang=en", "/s/massage/?month=2027-01&staff=3&lang=en"]


@pytest.mark.parametrize("query", ["utm_source=newsletter", "month=2026-12&month=2027-01", "month=%3Cscript%3E",
                                   "staff=" + "9" * 21, "lang=en&lang=de", "after=1"])
def test_a_request_with_anything_else_in_its_query_is_rendered_and_not_kept(on_alpha, query):
    # given
    page = Page()
    view = cached_page(query=("month", "staff"))(page)
    # when
    get(view, on_alpha, f"/s/massage/?{query}")
    get(view, on_alpha, f"/s/massage/?{query}")
    # then
    assert len(page.rendered) == 2
    assert page_cache._entries == {}


def test_expired_pages_are_dropped_when_a_page_is_stored(on_alpha, clock):
    # given: a page stored a while ago
    first, second = Page(), Page()
    get(cached_page()(first), on_alpha, "/first/")
    clock.now += page_cache.MAX_AGE_SECONDS + 1
    # when
    get(cached_page()(second), on_alpha, "/second/")
    # then
    assert [entry_key[4] for entry_key in page_cache._entries] == ["/second/"]


def test_a_full_cache_keeps_its_live_pages_and_stores_again_once_they_expire(on_alpha, clock, monkeypatch):
    # given: room for three pages, the popular one stored first
    monkeypatch.setattr(page_cache, "MAX_ENTRIES", 3)
    popular, others = Page(), Page()
    get(cached_page()(popular), on_alpha, "/popular/")
    # when: many other pages are asked for
    other_view = cached_page(query=("month",))(others)
    for month in range(1, 11):
        clock.now += 1
        get(other_view, on_alpha, f"/other/?month=2026-{month:02d}")
    get(cached_page()(popular), on_alpha, "/popular/")
    # then: the popular page is still served from the cache, and the cache did not grow
    assert popular.rendered == ["/popular/"]
    assert [entry_key[4] for entry_key in page_cache._entries] == ["/popular/", "/other/", "/other/"]
    # when: the pages kept have expired
    clock.now += page_cache.MAX_AGE_SECONDS
    get(other_view, on_alpha, "/other/?month=2027-01")
    # then
    assert [entry_key[5] for entry_key in page_cache._entries] == [("2027-01",)]


def test_a_page_marked_private_is_never_kept(on_alpha):
    # given
    page = Page(private=True)
    view = cached_page()(page)
    # when
    get(view, on_alpha, "/b/some-secret-token/")
    get(view, on_alpha, "/b/some-secret-token/")
    # then
    assert len(page.rendered) == 2
    assert page_cache._entries == {}


def test_a_crawlers_made_up_addresses_do_not_push_out_the_service_page(committed_db, tenant_alpha, in_tenant,
                                                                        monkeypatch):
    # given: the service page, cached; room for ten pages
    forget_local_pages()
    with in_tenant(tenant_alpha):
        build_site(tenant_alpha)
    connection.set_schema_to_public()
    monkeypatch.setattr(page_cache, "MAX_ENTRIES", 10)
    client = Client(HTTP_HOST=host_of(tenant_alpha))
    assert client.get("/s/massage/?lang=en").status_code == 200
    # when: a crawler asks for the page with twenty made-up parameters
    for number in range(20):
        assert client.get(f"/s/massage/?lang=en&ref={number}").status_code == 200
    # then: the service page is still served from memory
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/s/massage/?lang=en").status_code == 200
    assert real_queries(captured) == []
    forget_local_pages()


def test_a_value_kept_for_the_tenant_lasts_until_a_tenant_wide_change_or_its_age(on_alpha, clock):
    # given: a value the home page is built from (the open programmes), kept
    loads = []

    def load():
        loads.append(len(loads) + 1)
        return loads[-1]

    assert page_cache.kept_for_tenant("programmes", load) == 1
    # when: a booking changes a service's and a staff member's pages (committed: outside a transaction)
    page_cache.pages_changed([page_cache.service_scope(1), page_cache.staff_scope(2)])
    # then: still the kept value
    assert page_cache.kept_for_tenant("programmes", load) == 1
    # when: a change that retires every page (a programme, the catalogue)
    page_cache.pages_changed()
    # then: loaded again
    assert page_cache.kept_for_tenant("programmes", load) == 2
    # and: kept no longer than a page
    clock.now += page_cache.MAX_AGE_SECONDS + 1
    assert page_cache.kept_for_tenant("programmes", load) == 3
    assert loads == [1, 2, 3]
