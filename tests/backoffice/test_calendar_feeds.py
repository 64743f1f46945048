"""Calendar subscriptions through HTTP: the organisation's and each staff member's secret feed, given out and
reset in the back office; a client's feed of their own bookings from the manage page. Feeds parse back with
icalendar, keep local times across the October DST change, answer 304 while unchanged, and an unknown or
reset token is a 404 (on any host)."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
import time_machine
from django.db import connection
from icalendar import Calendar

from booking_core.models import AuditEntry, CalendarFeed, Service
from booking_core.services.bookings import booking_cancel, booking_create_group, booking_create_individual
from tests.factories import OPERATOR, client_details, make_service, make_session, make_staff

pytestmark = pytest.mark.django_db

BUDAPEST = zoneinfo.ZoneInfo("Europe/Budapest")
# A Tuesday a week before Budapest leaves summer time (Sunday 25 October 2026, 03:00 -> 02:00).
NOW = dt.datetime(2026, 10, 20, 9, 0, tzinfo=BUDAPEST)
FEED_PATH = re.compile(r"https?://[^/]+(/feeds/[A-Za-z0-9_-]+\.ics)")


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def scene(tenant_alpha, in_tenant):
    """Alpha: Anna's massages on Friday 23 October (summer time) and Monday 26 October (winter time), both at
    10:00 local, one with Bence; a yoga session on the 24th; a client with two bookings."""
    with in_tenant(tenant_alpha):
        massage = make_service(Service.Kind.INDIVIDUAL, name_en="Massage")
        anna = make_staff(massage, name="Anna", hours=((8, 20),))
        bence = make_staff(massage, name="Bence", hours=((8, 20),))
        yoga = make_service(name_en="Yoga")
        session = make_session(yoga, capacity=8, starts_at=dt.datetime(2026, 10, 24, 18, tzinfo=BUDAPEST),
                               location="Room 1")
        dora = client_details("Kiss Dóra", "dora@example.hu")
        summer = booking_create_individual(
            tenant=tenant_alpha, service=massage, staff=anna, language="en", client=dora, actor=OPERATOR,
            starts_at=dt.datetime(2026, 10, 23, 10, tzinfo=BUDAPEST))
        winter = booking_create_individual(
            tenant=tenant_alpha, service=massage, staff=anna, language="en", actor=OPERATOR,
            client=client_details("Nagy Péter", "peter@example.com"),
            starts_at=dt.datetime(2026, 10, 26, 10, tzinfo=BUDAPEST))
        bences = booking_create_individual(
            tenant=tenant_alpha, service=massage, staff=bence, language="en", actor=OPERATOR,
            client=client_details("Szabó Éva", "eva@example.com"),
            starts_at=dt.datetime(2026, 10, 23, 14, tzinfo=BUDAPEST))
        group = booking_create_group(tenant=tenant_alpha, session=session, seats=2, client=dora, actor=OPERATOR)
    connection.set_schema_to_public()
    return {"anna": anna, "bence": bence, "session": session, "summer": summer, "winter": winter,
            "bences": bences, "group": group}


def _issue(owner, **data) -> str:
    response = owner.post("/office/calendar-feeds/issue/", data)
    assert response.status_code == 302
    page = owner.get("/office/calendar-feeds/")
    assert page.status_code == 200
    return page.content.decode()


def _feed_paths(html: str) -> list[str]:
    return FEED_PATH.findall(html)


def _events(response) -> dict[str, object]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return {str(event["uid"]).split("@")[0]: event for event in calendar.walk("VEVENT")}


def test_the_organisation_feed_shows_appointments_and_sessions_without_client_names(owner, client_for, tenant_alpha,
                                                                                   scene):
    [path] = _feed_paths(_issue(owner))
    response = client_for(tenant_alpha).get(path)
    events = _events(response)
    calendar = Calendar.from_ical(response.content)

    assert set(events) == {
        f"booking-{scene['summer'].pk}", f"booking-{scene['winter'].pk}", f"booking-{scene['bences'].pk}",
        f"session-{scene['session'].pk}"}
    assert b"Kiss D" not in response.content and b"Nagy" not in response.content
    assert str(events[f"session-{scene['session'].pk}"]["summary"]) == "Yoga (2/8)"
    assert [str(zone["tzid"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/Budapest"]
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_local_times_hold_on_both_sides_of_the_october_change(owner, client_for, tenant_alpha, scene):
    _issue(owner, staff=scene["anna"].pk)
    paths = _feed_paths(owner.get("/office/calendar-feeds/").content.decode())
    anna_path = next(path for path in paths if path != _organisation_path(tenant_alpha))
    events = _events(client_for(tenant_alpha).get(anna_path))
    starts = sorted(event.decoded("dtstart") for event in events.values())

    assert [start.astimezone(BUDAPEST).strftime("%d %H:%M") for start in starts] == ["23 10:00", "26 10:00"]
    assert [start.utcoffset() for start in starts] == [dt.timedelta(hours=2), dt.timedelta(hours=1)]


def _organisation_path(tenant) -> str | None:
    with time_machine.travel(NOW, tick=False):
        connection.set_tenant(tenant)
        feed = CalendarFeed.objects.filter(kind="organisation").first()
        connection.set_schema_to_public()
    return f"/feeds/{feed.token}.ics" if feed else None


def test_a_staff_feed_names_the_client_and_shows_only_that_staff_members_appointments(owner, client_for,
                                                                                      tenant_alpha, scene):
    [path] = _feed_paths(_issue(owner, staff=scene["bence"].pk))
    events = _events(client_for(tenant_alpha).get(path))

    assert [str(event["summary"]) for event in events.values()] == ["Massage · Szabó Éva"]


def test_an_unchanged_feed_answers_304_and_a_cancellation_changes_it(owner, client_for, tenant_alpha, scene,
                                                                     in_tenant):
    [path] = _feed_paths(_issue(owner, staff=scene["anna"].pk))
    subscriber = client_for(tenant_alpha)
    first = subscriber.get(path)
    etag = first["ETag"]

    again = subscriber.get(path, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert subscriber.get(path, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304

    with in_tenant(tenant_alpha):
        booking_cancel(tenant=tenant_alpha, booking=scene["winter"], actor=OPERATOR, reason="Anna is ill")
    connection.set_schema_to_public()
    changed = subscriber.get(path, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert list(_events(changed)) == [f"booking-{scene['summer'].pk}"]


def test_resetting_a_feed_retires_its_old_address_at_once(owner, client_for, tenant_alpha, scene):
    [old] = _feed_paths(_issue(owner))
    [new] = _feed_paths(_issue(owner, reset="1"))

    assert new != old
    assert client_for(tenant_alpha).get(old).status_code == 404
    assert client_for(tenant_alpha).get(new).status_code == 200
    with time_machine.travel(NOW, tick=False):
        connection.set_tenant(tenant_alpha)
        actions = list(AuditEntry.objects.filter(object_type="calendarfeed").values_list("action", flat=True))
        connection.set_schema_to_public()
    assert sorted(actions) == ["calendar_feed.created", "calendar_feed.reset"]


def test_unknown_tokens_and_other_hosts_are_404s(owner, client_for, tenant_alpha, tenant_beta, scene):
    [path] = _feed_paths(_issue(owner))

    assert client_for(tenant_alpha).get("/feeds/NoSuchTokenAtAll123.ics").status_code == 404
    assert client_for(tenant_beta).get(path).status_code == 404
    assert client_for(tenant_alpha).get("/feeds/bad%00token.ics").status_code == 404


def test_only_managers_give_out_feeds_and_never_for_another_tenants_staff(member_client, owner, tenant_alpha,
                                                                          tenant_beta, in_tenant, scene):
    staff_member = member_client(tenant_alpha, "alpha_staff")
    assert staff_member.get("/office/calendar-feeds/").status_code == 403
    assert staff_member.post("/office/calendar-feeds/issue/", {}).status_code == 403

    with in_tenant(tenant_beta):
        beta_staff = make_staff(name="Beta coach")
    connection.set_schema_to_public()
    assert owner.post("/office/calendar-feeds/issue/", {"staff": beta_staff.pk + 1000}).status_code == 404
    assert owner.post("/office/calendar-feeds/issue/", {"staff": "x"}).status_code == 404
    with in_tenant(tenant_alpha):
        assert not CalendarFeed.objects.exists()


def test_a_client_subscribes_to_their_own_bookings_from_the_manage_page(client_for, tenant_alpha, scene):
    visitor = client_for(tenant_alpha)
    manage = f"/b/{scene['summer'].manage_token}/"
    assert _feed_paths(visitor.get(manage).content.decode()) == []

    response = visitor.post(f"{manage}feed/")
    assert response.status_code == 302
    [path] = _feed_paths(visitor.get(response["Location"]).content.decode())
    events = _events(client_for(tenant_alpha).get(path))

    # Dóra's massage and her two yoga seats; nobody else's bookings, and the links go to her manage pages.
    assert set(events) == {f"booking-{scene['summer'].pk}", f"booking-{scene['group'].pk}"}
    assert all("/b/" in str(event["url"]) for event in events.values())

    visitor.post(f"{manage}feed/", {"reset": "1"})
    [new_path] = _feed_paths(visitor.get(manage).content.decode())
    assert new_path != path and client_for(tenant_alpha).get(path).status_code == 404


def test_the_client_feed_action_needs_a_post_and_a_real_booking_link(client_for, tenant_alpha, scene):
    visitor = client_for(tenant_alpha)
    assert visitor.get(f"/b/{scene['summer'].manage_token}/feed/").status_code == 405
    assert visitor.post("/b/NoSuchBookingToken123/feed/").status_code == 404


def test_a_seat_booked_in_a_session_changes_the_organisation_feed(owner, client_for, tenant_alpha, scene, in_tenant):
    [path] = _feed_paths(_issue(owner))
    subscriber = client_for(tenant_alpha)
    etag = subscriber.get(path)["ETag"]

    with in_tenant(tenant_alpha):
        booking_create_group(tenant=tenant_alpha, session=scene["session"], seats=3, actor=OPERATOR,
                             client=client_details("Tóth Anna", "anna@example.com"))
    connection.set_schema_to_public()
    changed = subscriber.get(path, HTTP_IF_NONE_MATCH=etag)

    assert changed.status_code == 200
    assert str(_events(changed)[f"session-{scene['session'].pk}"]["summary"]) == "Yoga (5/8)"
