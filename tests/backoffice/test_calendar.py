"""The back office calendar (a week or a day, per staff member, in the tenant's zone) and the dashboard's figures
of the week; with the query budgets of the dashboard, the week and the bookings list."""

from __future__ import annotations

import pytest
from django.db import connection

from booking_core.models import Booking, Service
from booking_core.services.bookings import booking_cancel, booking_create_group, booking_create_individual
from tests.backoffice.clock import at
from tests.conftest import real_queries
from tests.factories import OPERATOR, client_details, make_service, make_session, make_staff
from tests.waitlist.helpers import fill

pytestmark = pytest.mark.django_db


@pytest.fixture
def week(tenant_alpha, in_tenant):
    """Alpha's week of 8-14 June 2026 (the clock: Wednesday the 10th, 09:00 Budapest): Anna's massages on the
    10th at 22:00 (20:00 UTC) and the 12th at 10:00, Béla's on the 11th at 00:30 (still the 10th in UTC) and a
    cancelled one of his, a yoga session on the 12th at 18:00 with a booking of two seats, and Anna's massage
    next week."""
    with in_tenant(tenant_alpha):
        massage = make_service(Service.Kind.INDIVIDUAL, name_en="Massage")
        anna = make_staff(massage, name="Anna", hours=((8, 23),))
        bela = make_staff(massage, name="Béla", hours=((0, 2), (8, 20)))
        yoga = make_service(name_en="Yoga")
        session = make_session(yoga, capacity=4, starts_at=at(12, 18), location="Room 1")

        def book(staff, when, name, email):
            return booking_create_individual(tenant=tenant_alpha, service=massage, staff=staff, starts_at=when,
                                             client=client_details(name, email), actor=OPERATOR)

        late = book(anna, at(10, 22), "Kiss Dóra", "dora@example.com")
        friday = book(anna, at(12, 10), "Tóth Ákos", "akos@example.com")
        night = book(bela, at(11, 0, 30), "Nagy Béla", "bela@example.com")
        cancelled = book(bela, at(11, 9), "Kovács Ili", "ili@example.com")
        booking_cancel(tenant=tenant_alpha, booking=cancelled, actor=OPERATOR, reason="Ill")
        next_week = book(anna, at(17, 10), "Szabó Éva", "eva@example.com")
        yoga_booking = booking_create_group(tenant=tenant_alpha, session=session, seats=2,
                                            client=client_details("Fekete Gábor", "gabor@example.com"),
                                            actor=OPERATOR)
    connection.set_schema_to_public()
    return {"anna": anna, "bela": bela, "late": late, "friday": friday, "night": night, "cancelled": cancelled,
            "next_week": next_week, "session": session, "yoga_booking": yoga_booking}


def shown(response) -> dict[str, list[int]]:
    """Per local date: the appointment ids and the session ids the calendar shows."""
    return {day.date.isoformat(): [b.pk for b in day.appointments] + [f"s{e.session.pk}" for e in day.sessions]
            for day in response.context["days"] if not day.is_empty}


def test_the_week_shows_appointments_and_sessions_by_local_day(owner, week):
    response = owner.get("/office/calendar/")
    assert response.status_code == 200
    assert response.context["view"] == "week"
    assert [day.date.isoformat() for day in response.context["days"]] == [
        f"2026-06-{day:02d}" for day in range(8, 15)]
    # 00:30 on the 11th in Budapest is the 10th in UTC: it is the 11th's; the cancelled one is not shown
    assert shown(response) == {"2026-06-10": [week["late"].pk], "2026-06-11": [week["night"].pk],
                               "2026-06-12": [week["friday"].pk, f"s{week['session'].pk}"]}
    html = response.content.decode()
    # one click to each booking, the yoga session's client included; times in Budapest
    for booking in ("late", "friday", "night", "yoga_booking"):
        assert f'href="/office/bookings/{week[booking].pk}/"' in html
    assert "22:00–23:00" in html and "00:30–01:30" in html and "2 of 4" in html
    assert f'href="/office/bookings/{week["cancelled"].pk}/"' not in html


def test_previous_and_next_weeks_and_the_day_view(owner, week):
    page = owner.get("/office/calendar/")
    assert page.context["next_link"] == "?view=week&date=2026-06-15"
    assert page.context["previous_link"] == "?view=week&date=2026-06-01"
    following = owner.get("/office/calendar/" + page.context["next_link"])
    assert shown(following) == {"2026-06-17": [week["next_week"].pk]}
    # a day: one column per staff member, the sessions apart
    day = owner.get("/office/calendar/", {"view": "day", "date": "2026-06-12"})
    assert [day.date.isoformat() for day in day.context["days"]] == ["2026-06-12"]
    columns = {column.staff.name: [b.pk for b in column.appointments] for column, _html in day.context["columns"]}
    assert columns == {"Anna": [week["friday"].pk], "Béla": []}
    assert day.context["next_link"] == "?view=day&date=2026-06-13"
    assert "Room 1" in day.content.decode()


def test_one_staff_members_calendar(owner, week):
    response = owner.get("/office/calendar/", {"staff": week["bela"].pk})
    assert shown(response) == {"2026-06-11": [week["night"].pk]}
    assert f"staff={week['bela'].pk}" in response.context["next_link"]


def test_bad_calendar_input_is_refused_next_to_the_field(owner, week):
    response = owner.get("/office/calendar/", {"view": "year", "date": "soon", "staff": "999999"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"view", "date", "staff"}
    assert "field--error" in response.content.decode()


def test_another_organisations_staff_member_is_not_a_choice(member_client, tenant_beta, in_tenant, owner, week):
    with in_tenant(tenant_beta):
        beta_staff = make_staff(name="Beta person")
    connection.set_schema_to_public()
    # its id here is alpha's own staff member of that id, or no choice at all: never beta's person
    response = owner.get("/office/calendar/", {"staff": beta_staff.pk})
    assert "Beta person" not in response.content.decode()
    assert response.status_code == (200 if beta_staff.pk in (week["anna"].pk, week["bela"].pk) else 400)


def test_the_calendar_is_for_members_only(client_for, member_client, tenant_alpha, tenant_beta, user, week):
    from tests.conftest import signed_in

    assert client_for(tenant_alpha).get("/office/calendar/").status_code == 302
    on_alpha = signed_in(client_for(tenant_alpha), user("beta_owner"), tenant_alpha.schema_name)
    assert on_alpha.get("/office/calendar/").status_code == 404
    assert member_client(tenant_alpha, "alpha_staff").get("/office/calendar/").status_code == 200


# --- the dashboard's figures of the week ------------------------------------------------------------------------


def test_the_dashboard_shows_this_weeks_figures(owner, week, tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        Booking.objects.filter(pk=week["late"].pk).update(status="no_show")
    connection.set_schema_to_public()
    response = owner.get("/office/")
    figures = response.context["week_figures"]
    # six bookings made this week (all in the scene), one cancelled, one no-show
    assert (figures.bookings, figures.cancellations, figures.no_shows) == (6, 1, 1)
    assert response.context["week_waitlist"].seats_refilled == 0
    html = response.content.decode()
    assert "This week&#x27;s figures" in html or "This week's figures" in html
    assert "2026-06-08 – 2026-06-14" in html


# --- query budgets: flat in the number of bookings shown --------------------------------------------------------


def _grow(tenant, in_tenant, session, count):
    with in_tenant(tenant):
        fill(tenant, session, [1] * count)
    connection.set_schema_to_public()


@pytest.mark.parametrize("path", ["/office/", "/office/calendar/", "/office/bookings/"])
def test_the_dashboard_the_week_and_the_list_cost_the_same_queries_for_5_or_50_bookings(
        owner, tenant_alpha, in_tenant, django_assert_max_num_queries, path):
    # given: a session this week with 5 bookings, and appointments of two staff members
    with in_tenant(tenant_alpha):
        session = make_session(make_service(name_en="Big class"), capacity=200, starts_at=at(12, 10))
        massage = make_service(Service.Kind.INDIVIDUAL, name_en="Massage")
        staff = [make_staff(massage, name=name, hours=((8, 20),)) for name in ("Anna", "Béla")]
        for hour in (10, 12):
            for member in staff:
                booking_create_individual(tenant=tenant_alpha, service=massage, staff=member,
                                          starts_at=at(11, hour), client=client_details(), actor=OPERATOR)
    _grow(tenant_alpha, in_tenant, session, 5)
    owner.get(path)  # warm caches (catalogue, session)
    with django_assert_max_num_queries(14) as few:
        owner.get(path)
    # when: 45 more bookings in the same week
    _grow(tenant_alpha, in_tenant, session, 45)
    with django_assert_max_num_queries(14) as many:
        response = owner.get(path)
    assert response.status_code == 200
    # then: not one query more
    assert len(real_queries(many)) == len(real_queries(few))
