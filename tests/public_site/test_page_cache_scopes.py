"""A booking retires the cached pages of its service and of its staff member's services, not the whole site's:
on a busy site, the pages of the other services stay cached. A change to the catalogue still retires all."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from booking_core.models import Service
from booking_core.services.bookings import booking_create_group, booking_create_individual
from public_site import page_cache
from public_site.page_cache import forget_local_pages
from tests.conftest import host_of, real_queries
from tests.factories import OPERATOR, client_details, make_service, make_staff
from tests.programmes.factories import make_programme
from tests.public_site.conftest import build_site

pytestmark = pytest.mark.slow  # the cache is bypassed inside a test transaction: committed data

PAGES = {
    "massage": "/s/massage/?lang=en",  # Anna and Max
    "reflexology": "/s/reflexology/?lang=en",  # Anna too
    "yoga": "/s/yoga/?lang=en",  # Zoé only
    "swimming": "/s/swimming/?lang=en",  # group sessions
    "home": "/?lang=en",  # the catalogue and programmes only
    "programme": "/p/swimming-december/?lang=en",  # names no scope: every change retires it
}


@pytest.fixture
def scene(committed_db, tenant_alpha, in_tenant):
    forget_local_pages()
    with in_tenant(tenant_alpha):
        site = build_site(tenant_alpha)
        reflexology = make_service(Service.Kind.INDIVIDUAL, slug="reflexology", min_notice_minutes=0, horizon_days=60)
        site.anna.services.add(reflexology)
        yoga = make_service(Service.Kind.INDIVIDUAL, slug="yoga", min_notice_minutes=0, horizon_days=60)
        make_staff(yoga, name="Zoé", hours=((9, 12),), weekdays=range(5))
        make_programme(slug="swimming-december")
    connection.set_schema_to_public()
    yield site
    forget_local_pages()


def rendered_afresh(client) -> set[str]:
    """Which pages took any query (were worked out again rather than served from the cache)."""
    afresh = set()
    for name, path in PAGES.items():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200, path
        if real_queries(captured):
            afresh.add(name)
    return afresh


def book_massage_with_anna(tenant, site, hour: int) -> None:
    booking_create_individual(tenant=tenant, service=site.massage, staff=site.anna,
                              starts_at=site.start.replace(hour=hour), client=client_details(),
                              answers={"topic": "back", "consent": True}, actor=OPERATOR)


def test_a_booking_retires_its_service_and_its_staff_members_services_and_leaves_the_others_cached(
        scene, tenant_alpha, in_tenant):
    # given: every page seen, and served from the cache since
    client = Client(HTTP_HOST=host_of(tenant_alpha))
    rendered_afresh(client)
    assert rendered_afresh(client) == set()
    # when: a massage with Anna is booked (in this process)
    with in_tenant(tenant_alpha):
        book_massage_with_anna(tenant_alpha, scene, hour=10)
    connection.set_schema_to_public()
    # then: the massage page, reflexology (Anna's time) and the page that names no scopes are worked out
    # again; yoga, swimming and the home page are still served from the cache
    assert rendered_afresh(client) == {"massage", "reflexology", "programme"}
    # when: a swimming session is booked
    with in_tenant(tenant_alpha):
        booking_create_group(tenant=tenant_alpha, session=scene.open_session, seats=1, client=client_details(),
                             answers={"child_name": "Dan"}, actor=OPERATOR)
    connection.set_schema_to_public()
    # then
    assert rendered_afresh(client) == {"swimming", "programme"}


def test_a_booking_made_by_another_process_retires_the_same_pages_through_redis(scene, tenant_alpha, in_tenant):
    # given: every page seen and cached
    client = Client(HTTP_HOST=host_of(tenant_alpha))
    rendered_afresh(client)
    kept = dict(page_cache._entries)
    # when: a massage with Anna is booked elsewhere: this process keeps its pages and learns of the change
    # only from the generations in Redis, once it checks them again
    with in_tenant(tenant_alpha):
        book_massage_with_anna(tenant_alpha, scene, hour=11)
    connection.set_schema_to_public()
    page_cache._entries.update(kept)
    page_cache._generations.clear()
    # then
    assert rendered_afresh(client) == {"massage", "reflexology", "programme"}


def test_a_change_to_the_catalogue_retires_every_page(scene, tenant_alpha, in_tenant):
    # given
    client = Client(HTTP_HOST=host_of(tenant_alpha))
    rendered_afresh(client)
    # when: a staff member joins
    with in_tenant(tenant_alpha):
        make_staff(name="Ivo")
    connection.set_schema_to_public()
    # then
    assert rendered_afresh(client) == set(PAGES)
