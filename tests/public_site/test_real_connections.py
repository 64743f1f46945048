"""What needs committed data and real connections: simultaneous submits, and the query budget of the pages
with the caches working as in production (a test transaction would bypass the catalogue cache)."""

import datetime as dt
import re
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from booking_core.models import Booking, Service, WaitlistEntry
from booking_core.programmes.models import SignUp
from booking_core.programmes.services.group_changes import group_cancel, group_change_capacity
from booking_core.services.bookings import booking_create_individual
from public_site.page_cache import forget_local_pages
from tests.conftest import host_of, real_queries
from tests.factories import OPERATOR, client_details, make_question, make_service, make_session, make_staff
from tests.programmes.factories import make_group, make_programme, one
from tests.public_site.conftest import build_site, start_parameter

pytestmark = pytest.mark.slow


def _build_committed_site(tenant, in_tenant):
    forget_local_pages()
    with in_tenant(tenant):
        built = build_site(tenant)
    connection.set_schema_to_public()
    return built


@pytest.fixture
def committed_site(committed_db, tenant_alpha, in_tenant):
    return _build_committed_site(tenant_alpha, in_tenant)


# A Tuesday at 07:30 in Budapest: the whole working day ahead, and weekends left in the month.
TUESDAY_MORNING = dt.datetime(2026, 12, 1, 7, 30, tzinfo=ZoneInfo("Europe/Budapest"))


@pytest.fixture
def committed_site_on_tuesday_morning(committed_db, tenant_alpha, in_tenant):
    """The committed site, built and browsed with the clock at TUESDAY_MORNING (ticking): what the pages show
    (which days of the month still have free times) does not depend on when the suite runs."""
    with time_machine.travel(TUESDAY_MORNING, tick=True):
        yield _build_committed_site(tenant_alpha, in_tenant)


def booking_form(site) -> tuple[str, dict]:
    path = f"/s/massage/book/?start={start_parameter(site.start)}&lang=en"
    data = {"name": "Kiss Dóra", "email": "dora@example.hu", "answer_topic": "neck", "answer_consent": "True",
            "idempotency_key": "web-simultaneous", "step": "confirm"}
    return path, data


def test_two_simultaneous_submits_of_one_form_book_once(committed_site, tenant_alpha, in_tenant):
    # given
    path, data = booking_form(committed_site)
    barrier = threading.Barrier(2)
    outcomes = []

    def submit():
        client = Client(HTTP_HOST=host_of(tenant_alpha))
        try:
            barrier.wait()
            response = client.post(path, data)
            outcomes.append((response.status_code, response.get("Location")))
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    with in_tenant(tenant_alpha):
        bookings = list(Booking.objects.filter(client__email="dora@example.hu"))
    assert len(bookings) == 1
    assert outcomes == [(302, f"/b/{bookings[0].manage_token}/done/?lang=en")] * 2


def post_twice_at_once(tenant, path: str, data: dict) -> list[int]:
    """The same form sent twice at the same moment from two connections; the status codes, sorted."""
    barrier = threading.Barrier(2)
    outcomes = []

    def submit():
        client = Client(HTTP_HOST=host_of(tenant))
        try:
            barrier.wait()
            outcomes.append(client.post(path, data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def test_two_simultaneous_submits_of_the_waitlist_form_join_once(committed_site, tenant_alpha, in_tenant):
    # when
    outcomes = post_twice_at_once(tenant_alpha, f"/s/swimming/sessions/{committed_site.full_session.pk}/waitlist/", {
        "seats": "1", "name": "Kiss Dóra", "email": "dora@example.hu", "answer_child_name": "Bogi"})
    # then: one joins, the other is told kindly that they are on the list already
    with in_tenant(tenant_alpha):
        assert WaitlistEntry.objects.filter(client__email="dora@example.hu").count() == 1
    assert outcomes == [302, 409]


@pytest.mark.usefixtures("programmes_month_clock")  # the programme runs in December 2026
def test_two_simultaneous_submits_of_a_programme_sign_up_sign_up_once(committed_site, tenant_alpha, in_tenant):
    # given
    with in_tenant(tenant_alpha):
        make_group(make_programme(slug="swimming-december"), 5)
    connection.set_schema_to_public()
    # when
    outcomes = post_twice_at_once(tenant_alpha, "/p/swimming-december/signup/", {
        "name": "Kiss Dóra", "email": "dora@example.hu", "attendee_1": "Anna", "attendee_2": "Ben",
        "keep_together": "on", "preference_mode": "any", "language": "en"})
    # then
    with in_tenant(tenant_alpha):
        assert sorted(SignUp.objects.values_list("attendee_name", "status")) == [
            ("Anna", "allocated"), ("Ben", "allocated")]
    assert outcomes == [302, 409]


def count_queries(client, path: str, *, cached: bool = False) -> int:
    if not cached:
        forget_local_pages()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(real_queries(captured))


def test_pages_take_a_fixed_small_number_of_queries_however_much_there_is(committed_site_on_tuesday_morning,
                                                                          tenant_alpha, in_tenant):
    # given: a Tuesday morning, so today keeps free times all day once the new staff (08:00-18:00, every day)
    # join, and the month's weekends have none before they do
    site = committed_site_on_tuesday_morning
    client = Client(HTTP_HOST=host_of(tenant_alpha))
    day = site.start.date().isoformat()
    pages = {
        "home": "/", "calendar": "/s/massage/", "day": f"/s/massage/day/{day}/", "group": "/s/swimming/",
        "form": f"/s/massage/book/?start={start_parameter(site.start)}",
    }
    for path in pages.values():
        client.get(path)  # warm the tenant and catalogue caches
    few = {name: count_queries(client, path) for name, path in pages.items()}
    # more services, questions, staff, sessions and bookings
    with in_tenant(tenant_alpha):
        for number in range(4):
            service = make_service(Service.Kind.INDIVIDUAL if number % 2 else Service.Kind.GROUP)
            make_question(service, f"question_{number}")
            make_staff(site.massage, hours=((8, 18),))
            make_session(site.swim, capacity=5, starts_in_days=number + 2)
        for hour in (9, 10, 11):
            booking_create_individual(tenant=tenant_alpha, service=site.massage, staff=site.anna,
                                      starts_at=site.start.replace(hour=hour), client=client_details(),
                                      answers={"topic": "back", "consent": True}, actor=OPERATOR)
    connection.set_schema_to_public()
    for path in pages.values():
        client.get(path)  # the catalogue changed: the first request reloads it
    # when
    many = {name: count_queries(client, path) for name, path in pages.items()}
    # then: the catalogue and the tenant come from memory; availability is one query (the staff's working
    # hours, overrides and everything that takes their time), loaded once for the free and the booked-out
    # days of the month; the sessions one query and the waitlist positions of their full sessions another;
    # the home page's open programmes are one query
    assert many == few
    budget = {"home": 1, "calendar": 1, "day": 1, "group": 2, "form": 7}
    assert {name: count <= budget[name] for name, count in few.items()} == dict.fromkeys(budget, True), few
    # and a browsing page seen a moment ago is served again without any query
    for path in pages.values():
        client.get(path)
    cached = {name: count_queries(client, path, cached=True) for name, path in pages.items() if name != "form"}
    assert cached == {"home": 0, "calendar": 0, "day": 0, "group": 0}


def test_a_cached_page_is_retired_by_a_booking_at_once(committed_site, tenant_alpha, in_tenant):
    # given: the day's times, seen (and cached) with 10:00 free
    site = committed_site
    client = Client(HTTP_HOST=host_of(tenant_alpha))
    path = f"/s/massage/day/{site.start.date().isoformat()}/?staff={site.anna.pk}&lang=en"
    assert f'data-start="{start_parameter(site.start)}"' in client.get(path).content.decode()
    assert count_queries(client, path, cached=True) == 0
    # when: Anna's 10:00 is booked
    with in_tenant(tenant_alpha):
        booking_create_individual(tenant=tenant_alpha, service=site.massage, staff=site.anna, starts_at=site.start,
                                  client=client_details(), answers={"topic": "back", "consent": True},
                                  actor=OPERATOR)
    connection.set_schema_to_public()
    # then
    assert f'data-start="{start_parameter(site.start)}"' not in client.get(path).content.decode()


def places_on_the_programme_page(client, path: str) -> dict[int, str]:
    """Each group's places line, by group id."""
    html = client.get(path).content.decode()
    return {int(group): re.sub(r"<[^>]+>", "", places).strip()
            for group, places in re.findall(r'data-group="(\d+)".*?<p class="places">(.*?)</p>', html, flags=re.S)}


@pytest.mark.usefixtures("programmes_month_clock")  # the programme runs in December 2026
def test_a_programme_page_shows_capacity_changes_sign_ups_and_cancellations_at_once(committed_db, tenant_alpha,
                                                                                   in_tenant):
    # given: the programme's page, seen (and cached) with 3 places left in each group
    forget_local_pages()
    with in_tenant(tenant_alpha):
        programme = make_programme(slug="swimming-december")
        mondays, wednesdays = make_group(programme, 3), make_group(programme, 3, weekday=2)
    connection.set_schema_to_public()
    client = Client(HTTP_HOST=host_of(tenant_alpha))
    path = "/p/swimming-december/?lang=en"
    assert places_on_the_programme_page(client, path) == {mondays.pk: "3 places left", wednesdays.pk: "3 places left"}
    assert count_queries(client, path, cached=True) == 0
    # when: Mondays get two more places, someone signs up for Wednesdays
    with in_tenant(tenant_alpha):
        group_change_capacity(tenant=tenant_alpha, group=mondays, capacity=5, actor=OPERATOR)
        one(tenant_alpha, programme, [wednesdays.pk])
    connection.set_schema_to_public()
    # then
    assert places_on_the_programme_page(client, path) == {mondays.pk: "5 places left", wednesdays.pk: "2 places left"}
    # when: Mondays are cancelled
    with in_tenant(tenant_alpha):
        group_cancel(tenant=tenant_alpha, group=mondays, reason="The pool is closed on Mondays.", actor=OPERATOR)
    connection.set_schema_to_public()
    # then
    assert places_on_the_programme_page(client, path) == {wednesdays.pk: "2 places left"}
    forget_local_pages()
